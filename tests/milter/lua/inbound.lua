-- inbound.lua: after enroll.lua. Ordinary mail is let go at end of
-- headers (SMFIR_ACCEPT, the body never sent); a reply in the thread gets
-- X-Cadence and keeps its recipient (the cadence address, in Cc by
-- mistake, is removed and the reply still recorded).
dofile(LUADIR .. "/common.lua")
start()
local conn, eoh = message({ip = "192.0.2.20", from = "someone@elsewhere.net",
    qid = "ORD1", rcpts = {"<alice@example.com>"}},
    {{"From", "someone@elsewhere.net"}, {"To", "alice@example.com"},
     {"Subject", "lunch"}, {"Message-ID", "<lunch@elsewhere.net>"}},
    "lunch?\r\n")
check(eoh == SMFIR_ACCEPT, "ordinary mail accepted at end of headers")
mt.disconnect(conn)

-- jane answers all, the cadence address included: still her reply.
conn, eoh = message({ip = "192.0.2.21", from = "jane@acme-corp.com",
    qid = "REPLY1", rcpts = {"<alice@example.com>", "<cadence@example.com>"}},
    {{"From", "Jane Doe <jane@acme-corp.com>"}, {"To", "alice@example.com"},
     {"Subject", "Re: Intro"}, {"Message-ID", "<jr-1@acme-corp.com>"},
     {"In-Reply-To", "<mt-root-1@mail.example.com>"}},
    "Yes, let's talk.\r\n")
check(eoh == SMFIR_CONTINUE, "reply wanted")
check(mt.eom_check(conn, MT_HDRADD, "X-Cadence"), "X-Cadence added")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
    "reply keeps its recipient")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed from the reply")
mt.disconnect(conn)
