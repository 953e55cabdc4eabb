-- enroll.lua: a trusted rep BCCs cadence+hot: the cadence address is
-- removed, the message is otherwise untouched (no header, no other
-- recipient removed). The runner then finds jane enrolled in "hot".
dofile(LUADIR .. "/common.lua")
start()
local conn = message({ip = "192.0.2.10", from = "alice@example.com",
    auth = "alice", qid = "ENROLL1",
    rcpts = {"<jane@acme-corp.com>", "<bob@acme-corp.com>",
        "<cadence+hot@example.com>"}},
    {{"From", "Alice Martin <alice@example.com>"},
     {"To", "\"Jane Doe\" <jane@acme-corp.com>"},
     {"Cc", "Bob Smith <bob@acme-corp.com>"},
     {"Subject", "Intro"},
     {"Message-ID", "<mt-root-1@mail.example.com>"}},
    "Hi Jane\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence+hot@example.com>"),
    "cadence address removed")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<jane@acme-corp.com>"),
    "prospect kept")
check(not mt.eom_check(conn, MT_HDRADD), "no header on the rep's mail")
mt.disconnect(conn)
