-- untrusted.lua: an outsider (no SASL login, not a trusted network, not
-- a rep domain) writes to the cadence address: the address is removed all
-- the same (it is no mailbox) and the runner finds nobody enrolled.
dofile(LUADIR .. "/common.lua")
start()
local conn = message({ip = "192.0.2.66", from = "mallory@evil.example.net",
    qid = "UNTRUST1",
    rcpts = {"<victim@acme-corp.com>", "<cadence@example.com>"}},
    {{"From", "mallory@evil.example.net"},
     {"To", "victim@acme-corp.com"},
     {"Subject", "hello"},
     {"Message-ID", "<evil-1@evil.example.net>"}},
    "spam\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<victim@acme-corp.com>"),
    "other recipient kept")
mt.disconnect(conn)
-- A rep who did not log in, from outside: refused too.
conn = message({ip = "192.0.2.67", from = "alice@example.com",
    qid = "UNTRUST2", rcpts = {"<bob@acme-corp.com>", "<cadence@example.com>"}},
    {{"From", "alice@example.com"}, {"To", "bob@acme-corp.com"},
     {"Subject", "hi"}, {"Message-ID", "<nologin-1@example.com>"}},
    "hi\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed (rep without login)")
mt.disconnect(conn)
