-- dsn.lua: a DSN for bob sent to his VERP address (TOKEN from the runner)
-- is recorded and consumed: its VERP recipient is removed.
dofile(LUADIR .. "/common.lua")
start()
local verp = "<bounces+" .. TOKEN .. "@example.com>"
local conn, eoh = message({ip = "192.0.2.30", from = "", qid = "DSN1",
    rcpts = {verp}},
    {{"From", "MAILER-DAEMON@mx.acme-corp.com"}, {"To", verp},
     {"Subject", "Undelivered Mail Returned to Sender"},
     {"MIME-Version", "1.0"},
     {"Content-Type",
      "multipart/report; report-type=delivery-status; boundary=\"B\""}},
    "--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n" ..
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n" ..
    "Reporting-MTA: dns; mx.acme-corp.com\r\n\r\n" ..
    "Final-Recipient: rfc822; bob@acme-corp.com\r\nAction: failed\r\n" ..
    "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n" ..
    "\r\n--B--\r\n")
check(eoh == SMFIR_CONTINUE, "DSN wanted")
check(mt.eom_check(conn, MT_RCPTDELETE, verp), "VERP recipient consumed")
mt.disconnect(conn)
