-- reload.lua: messages flow while reload.sh sends SIGHUP after SIGHUP
-- (and swaps the configuration file under the milter). Each round: a rep
-- enrolls a prospect, the prospect replies (recorded, X-Cadence added),
-- and ordinary mail is let go at end of headers. ROUNDS from the runner.
dofile(LUADIR .. "/common.lua")
for i = 1, tonumber(ROUNDS) do
	local p = "p" .. i .. "@acme-corp.com"
	local root = "<reload-root-" .. i .. "@mail.example.com>"
	local conn = message({ip = "192.0.2.10", from = "alice@example.com",
	    auth = "alice", qid = "RL" .. i .. "E",
	    rcpts = {"<" .. p .. ">", "<cadence@example.com>"}},
	    {{"From", "Alice Martin <alice@example.com>"}, {"To", p},
	     {"Subject", "Intro " .. i}, {"Message-ID", root}},
	    "Hi\r\n")
	check(mt.eom_check(conn, MT_RCPTDELETE, "<cadence@example.com>"),
	    "round " .. i .. ": cadence address removed")
	mt.disconnect(conn)

	conn = message({ip = "192.0.2.21", from = p, qid = "RL" .. i .. "R",
	    rcpts = {"<alice@example.com>"}},
	    {{"From", p}, {"To", "alice@example.com"},
	     {"Subject", "Re: Intro " .. i}, {"In-Reply-To", root},
	     {"Message-ID", "<reload-reply-" .. i .. "@acme-corp.com>"}},
	    "Yes, let's talk.\r\n")
	check(mt.eom_check(conn, MT_HDRADD, "X-Cadence"),
	    "round " .. i .. ": X-Cadence added to the reply")
	mt.disconnect(conn)

	local eoh
	conn, eoh = message({ip = "192.0.2.22", from = "someone@elsewhere.net",
	    qid = "RL" .. i .. "O", rcpts = {"<alice@example.com>"}},
	    {{"From", "someone@elsewhere.net"}, {"To", "alice@example.com"},
	     {"Subject", "lunch"}, {"Message-ID", "<reload-" .. i .. "@x.net>"}},
	    "lunch?\r\n")
	check(eoh == SMFIR_ACCEPT, "round " .. i .. ": ordinary mail let go")
	mt.disconnect(conn)
end
