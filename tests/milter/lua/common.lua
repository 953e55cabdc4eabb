-- common.lua: helpers shared by the miltertest scripts. The runner
-- (tests/milter/miltertest.sh) defines MILTER, CONF and SOCK.

function check(cond, what)
	if not cond then
		error("FAILED: " .. what)
	end
end

-- Start the real daemon in the foreground; return once it answers.
function start()
	mt.startfilter(MILTER, "-f", "-d", "-c", CONF)
	mt.disconnect(connect(), true)
end

function connect()
	local conn = mt.connect(SOCK, 50, 0.2)
	check(conn ~= nil, "connect to " .. SOCK)
	return conn
end

-- One message: env = {ip, from, auth, rcpts = {...}, qid};
-- headers = {{name, value}, ...}; body = string. Returns the connection
-- after eom, and the eoh reply (SMFIR_ACCEPT means "let go").
function message(env, headers, body)
	local conn = connect()
	check(mt.conninfo(conn, "client.example.net", env.ip) == nil, "conninfo")
	if env.auth ~= nil then
		mt.macro(conn, SMFIC_MAIL, "{mail_addr}", env.from,
		    "{auth_authen}", env.auth, "i", env.qid)
	else
		mt.macro(conn, SMFIC_MAIL, "{mail_addr}", env.from, "i", env.qid)
	end
	check(mt.mailfrom(conn, "<" .. env.from .. ">") == nil, "mailfrom")
	for _, r in ipairs(env.rcpts) do
		check(mt.rcptto(conn, r) == nil, "rcptto " .. r)
	end
	for _, h in ipairs(headers) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	local eoh = mt.getreply(conn)
	if eoh == SMFIR_ACCEPT then
		return conn, eoh
	end
	check(eoh == SMFIR_CONTINUE, "eoh reply")
	check(mt.bodystring(conn, body) == nil, "body")
	check(mt.eom(conn) == nil, "eom")
	local r = mt.getreply(conn)
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "eom reply")
	return conn, eoh
end
