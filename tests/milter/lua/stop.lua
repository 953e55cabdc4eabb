-- stop.lua: SIGTERM (sent from here to MPID, the milter stop.sh started)
-- comes in the middle of a rep's enrollment request: a new connection is
-- refused at negotiation (the MTA would apply its default_action) once
-- the milter logs that it is draining, yet this one is served to its end,
-- and the enrollment is recorded (stop.sh checks the store).
dofile(LUADIR .. "/common.lua")
local conn = connect()
envelope(conn, {ip = "192.0.2.10", from = "alice@example.com",
    auth = "alice", qid = "STOP1",
    rcpts = {"<dora@acme-corp.com>", "<cadence@example.com>"}})
signal("TERM")
wait_log("draining: ")
local ok, c2 = pcall(mt.connect, SOCK, 1, 0)
if ok and c2 ~= nil then
	local nok, err = pcall(mt.negotiate, c2, nil, nil, nil)
	check(not nok or err ~= nil, "a new connection served while stopping")
end
local eoh = headers(conn, {{"From", "Alice Martin <alice@example.com>"},
    {"To", "Dora Diaz <dora@acme-corp.com>"}, {"Subject", "Intro"},
    {"Message-ID", "<mt-stop-1@mail.example.com>"}})
check(eoh == SMFIR_CONTINUE, "eoh reply")
finish(conn, "Hi Dora\r\n")
check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
    "cadence address removed after SIGTERM")
mt.disconnect(conn)
