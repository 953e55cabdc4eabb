-- forged.lua: X-Cadence fields a message arrives with (any case, any
-- sender) are removed at end of message, so that the only one left is the
-- milter's own: on a rep's enrollment request, on a prospect's reply
-- (which then gets ours), and on ordinary mail, which is then not let go
-- at end of headers (only eom may remove a field). The runner then finds
-- carol enrolled and her reply recorded.
dofile(LUADIR .. "/common.lua")
start()
local conn = message({ip = "192.0.2.10", from = "alice@example.com",
    auth = "alice", qid = "FORGE1",
    rcpts = {"<carol@acme-corp.com>", "<cadence@example.com>"}},
    {{"From", "Alice Martin <alice@example.com>"},
     {"To", "Carol Chen <carol@acme-corp.com>"},
     {"X-Cadence", "replied cold step 9 id 1"},
     {"Subject", "Intro"},
     {"Message-ID", "<mt-forge-root@mail.example.com>"}},
    "Hi Carol\r\n")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Cadence"),
    "X-Cadence removed from the rep's mail")
check(not mt.eom_check(conn, MT_HDRADD), "no header added to the rep's mail")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed")
mt.disconnect(conn)

-- carol answers with three forged fields, in three cases.
conn = message({ip = "192.0.2.21", from = "carol@acme-corp.com",
    qid = "FORGE2", rcpts = {"<alice@example.com>"}},
    {{"X-Cadence", "unsubscribed cold step 1 id 1"},
     {"From", "Carol Chen <carol@acme-corp.com>"},
     {"x-cadence", "bounced"},
     {"To", "alice@example.com"},
     {"Subject", "Re: Intro"},
     {"X-CADENCE", "complaint"},
     {"Message-ID", "<forge-reply@acme-corp.com>"},
     {"In-Reply-To", "<mt-forge-root@mail.example.com>"}},
    "Sure, Thursday works.\r\n")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Cadence"),
    "X-Cadence removed from the reply")
check(mt.eom_check(conn, MT_HDRADD, "X-Cadence"), "ours added to the reply")
check(not mt.eom_check(conn, MT_HDRADD, "X-Cadence", "complaint"),
    "the forged value not added back")
mt.disconnect(conn)

-- Ordinary mail with a forged field: kept to end of message, field gone.
local eoh
conn, eoh = message({ip = "192.0.2.22", from = "someone@elsewhere.net",
    qid = "FORGE3", rcpts = {"<alice@example.com>"}},
    {{"From", "someone@elsewhere.net"}, {"To", "alice@example.com"},
     {"Subject", "invoice"}, {"X-Cadence", "replied cold step 3 id 42"},
     {"Message-ID", "<forge-3@elsewhere.net>"}},
    "see attached\r\n")
check(eoh == SMFIR_CONTINUE, "mail with X-Cadence not let go at eoh")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Cadence"),
    "X-Cadence removed from ordinary mail")
check(not mt.eom_check(conn, MT_HDRADD), "nothing added to ordinary mail")
mt.disconnect(conn)
