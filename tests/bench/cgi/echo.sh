#!/bin/sh
# CGI (dash): POST echo, the body copied back unparsed (a shell has no
# JSON parser; the PHP and Lua peers decode and encode it).
printf 'Content-Type: application/json\r\n\r\n'
exec head -c "${CONTENT_LENGTH:-0}"
