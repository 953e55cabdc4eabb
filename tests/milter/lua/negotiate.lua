-- negotiate.lua: clients that negotiate and never connect. Twenty
-- negotiate and leave, half with QUIT and half by closing; then one
-- negotiates, waits while SIGTERM comes (sent from here to MPID), and only
-- then sends its connection and a rep's enrollment request, which must
-- still be served. stop.sh then checks that the milter stops at once (no
-- connection left counted) and, under AddressSanitizer, that nothing of
-- these connections leaked.
dofile(LUADIR .. "/common.lua")
for i = 1, 20 do
	local conn = connect()
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate " .. i)
	mt.disconnect(conn, i % 2 == 0)
end

local conn = connect()
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate, then wait")
signal("TERM")
wait_log("draining: ")
envelope(conn, {ip = "192.0.2.10", from = "alice@example.com",
    auth = "alice", qid = "NEG1",
    rcpts = {"<erin@acme-corp.com>", "<cadence@example.com>"}})
local eoh = headers(conn, {{"From", "Alice Martin <alice@example.com>"},
    {"To", "Erin Eng <erin@acme-corp.com>"}, {"Subject", "Intro"},
    {"Message-ID", "<mt-neg-1@mail.example.com>"}})
check(eoh == SMFIR_CONTINUE, "eoh reply")
finish(conn, "Hi Erin\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed after SIGTERM")
mt.disconnect(conn)
