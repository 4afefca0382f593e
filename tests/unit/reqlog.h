/*
 * Codec tests' shared helper: a request as one line of text, so a test
 * compares the events of a whole stream with one string.  Short printable
 * bytes (up to REQLOG_TEXT_MAX) appear as they are, anything else as
 * <length#hash>.  Define REQLOG_TEXT_MAX before including.
 */
#ifndef REQLOG_H
#define REQLOG_H

#include <check.h>
#include <stdint.h>

#include "buf.h"
#include "request.h"

static uint32_t
fnv1a(const void *data, size_t len)
{
	const uint8_t	*d = data;
	uint32_t	 h = 2166136261u;

	while (len-- > 0)
		h = (h ^ *d++) * 16777619u;
	return h;
}

/* Short printable bytes as they are, anything else as <length#hash>. */
static void
log_bytes(struct buf *log, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && len <= REQLOG_TEXT_MAX; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			break;
	if (i == len && len <= REQLOG_TEXT_MAX)
		ck_assert_int_eq(buf_add(log, s, len), 0);
	else
		ck_assert_int_eq(buf_printf(log, "<%zu#%08x>", len,
		    fnv1a(s, len)), 0);
}

static void
log_request(struct buf *log, const struct request *req)
{
	size_t	 i;

	buf_printf(log, " %u keep=%u {", req->id, req->keep_conn);
	for (i = 0; i < req->nparams; i++) {
		buf_printf(log, "%s%s=", i ? ";" : "", req->params[i].name);
		log_bytes(log, req->params[i].value, req->params[i].value_len);
	}
	buf_printf(log, "} body=");
	if (req->body == NULL)
		ck_assert_uint_eq(req->body_len, 0);
	log_bytes(log, req->body, req->body_len);
}

#endif
