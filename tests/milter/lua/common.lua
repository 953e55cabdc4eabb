-- common.lua: helpers shared by the miltertest scripts. The runners
-- (tests/milter/miltertest.sh, stop.sh, reload.sh) define LUADIR, MILTER,
-- CONF, SOCK and LOG, and MPID when they start the milter themselves.

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

-- Send signal name (TERM, HUP) to the milter the runner started.
function signal(name)
	local ok = os.execute("kill -" .. name .. " " .. MPID)
	check(ok == true or ok == 0, "kill -" .. name .. " " .. MPID)
end

-- Wait until the milter's log (LOG, defined by lib.sh's run) holds text:
-- the readiness signal after signal(). Polls every 20 ms, 10 s at most.
function wait_log(text)
	for _ = 1, 500 do
		local f = io.open(LOG, "r")
		if f ~= nil then
			local all = f:read("*a")
			f:close()
			if all:find(text, 1, true) ~= nil then
				return
			end
		end
		mt.sleep(0.02)
	end
	error("FAILED: no '" .. text .. "' in " .. LOG .. " within 10 s")
end

-- The connection and envelope of one message on conn: env = {ip, from,
-- auth, rcpts = {...}, qid}.
function envelope(conn, env)
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
end

-- headers = {{name, value}, ...}, then end of headers: its reply
-- (SMFIR_ACCEPT means "let go").
function headers(conn, list)
	for _, h in ipairs(list) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	return mt.getreply(conn)
end

-- The body and end of message.
function finish(conn, body)
	check(mt.bodystring(conn, body) == nil, "body")
	check(mt.eom(conn) == nil, "eom")
	local r = mt.getreply(conn)
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "eom reply")
end

-- One message on a new connection. Returns the connection after eom, and
-- the eoh reply (SMFIR_ACCEPT: let go, no body sent).
function message(env, list, body)
	local conn = connect()
	envelope(conn, env)
	local eoh = headers(conn, list)
	if eoh == SMFIR_ACCEPT then
		return conn, eoh
	end
	check(eoh == SMFIR_CONTINUE, "eoh reply")
	finish(conn, body)
	return conn, eoh
end
