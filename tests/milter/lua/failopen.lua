-- failopen.lua: the store's map is full (the runner filled it), so the
-- enrollment cannot be written: the message still goes on, with only the
-- cadence address removed, and the milter answers continue.
dofile(LUADIR .. "/common.lua")
start()
local conn = message({ip = "127.0.0.1", from = "alice@example.com",
    qid = "FULL1",
    rcpts = {"<carl@acme-corp.com>", "<cadence@example.com>"}},
    {{"From", "alice@example.com"}, {"To", "carl@acme-corp.com"},
     {"Subject", "Intro"}, {"Message-ID", "<full-1@example.com>"}},
    "Hi\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<carl@acme-corp.com>"),
    "prospect kept")
mt.disconnect(conn)
