/*
 * The params limits both codecs enforce (codec.h): the wire bound of a
 * params block and the per-param check, with its log message.  Pure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"

#define CODEC_NAME_SHOWN	32	/* name bytes in a limit message */

size_t
codec_params_wire_max(const struct codec_limits *l, size_t per_param)
{
	if (per_param > 0 &&
	    l->max_params > (SIZE_MAX - l->max_params_size) / per_param)
		return SIZE_MAX;
	return l->max_params_size + l->max_params * per_param;
}

/* A peer's param name made safe for a log line: short and printable. */
static const char *
codec_shown(char dst[CODEC_NAME_SHOWN + 4], const char *name, size_t nlen)
{
	size_t	 i;

	for (i = 0; i < nlen && i < CODEC_NAME_SHOWN; i++)
		dst[i] = name[i] >= 0x20 && name[i] <= 0x7e ? name[i] : '?';
	if (i < nlen) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

/*
 * The count comes first, so a flood of params is reported as such; the
 * total is checked without overflow whatever the lengths.
 */
const char *
codec_limit_param(const struct codec_limits *l, size_t *count,
    size_t *total, const char *name, size_t nlen, size_t vlen, char *buf,
    size_t buflen)
{
	char	 shown[CODEC_NAME_SHOWN + 4];

	if (*count >= l->max_params)
		snprintf(buf, buflen, "more than max_params (%zu) params",
		    l->max_params);
	else if (nlen > l->max_param_length)
		snprintf(buf, buflen, "param name %s of %zu bytes is longer "
		    "than max_param_length (%zu)", codec_shown(shown, name,
		    nlen), nlen, l->max_param_length);
	else if (vlen > l->max_param_length)
		snprintf(buf, buflen, "param %s of %zu bytes is longer than "
		    "max_param_length (%zu)", codec_shown(shown, name, nlen),
		    vlen, l->max_param_length);
	else if (*total > l->max_params_size ||
	    nlen > l->max_params_size - *total ||
	    vlen > l->max_params_size - *total - nlen)
		snprintf(buf, buflen, "params longer than max_params_size "
		    "(%zu bytes) at param %s", l->max_params_size,
		    codec_shown(shown, name, nlen));
	else {
		(*count)++;
		*total += nlen + vlen;
		return NULL;
	}
	return buf;
}
