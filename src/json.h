/*
 * Lua values <-> jansson.  Knows nothing about requests or processes.
 */
#ifndef FCGISERVE_JSON_H
#define FCGISERVE_JSON_H

#include <stddef.h>
#include <jansson.h>
#include <lua.h>

#include "buf.h"

/*
 * Pushes the sentinel that stands for JSON null (fcgiserve.json.null):
 * a light userdata, the same value in every state.  Not json_is_null:
 * jansson defines that as a macro.
 */
void	 json_push_null(lua_State *);
int	 json_isnull(lua_State *, int idx);
/*
 * Registry key of the metatable that marks a table as a JSON array
 * (fcgiserve.json.array), so {} encodes as [].
 */
#define JSON_ARRAY_MT	"fcgiserve.json.array"
/* Sets the array marker metatable on the table at idx (idx may be relative). */
void	 json_mark_array(lua_State *, int idx);

/*
 * Converts the Lua value at idx to a new jansson value.  Tables with keys
 * exactly 1..n (n > 0) or marked as arrays become arrays; other tables must
 * have only string keys and become objects; empty unmarked tables become {}.
 * Integers stay integers (64-bit exact), floats stay reals.  NaN/inf,
 * functions, userdata, threads, cycles, mixed or non-string keys and
 * invalid UTF-8 fail: NULL is returned and err holds a message naming
 * where, e.g. "$.items[2].price: NaN cannot be encoded".  Never raises.
 */
json_t	*json_from_lua(lua_State *, int idx, char *err, size_t errlen);
/*
 * Pushes the Lua value for j: objects -> tables, arrays -> tables marked as
 * arrays, null -> the null sentinel, integers -> Lua integers.  Uses at
 * most a bounded C stack (depth limit); returns 0, or -1 with err set (and
 * nothing pushed) when nesting is too deep.
 */
int	 json_to_lua(lua_State *, json_t *j, char *err, size_t errlen);

/*
 * Appends j to out, compact (UTF-8 untouched, any top-level value), with
 * as few digits as make every float read back exactly: 0.1 stays "0.1",
 * not "0.10000000000000001".  Returns 0, or -1 (ENOMEM).
 */
int	 json_encode(json_t *j, struct buf *out);

/*
 * Opens the table fcgiserve.json: encode(v) -> string | raises,
 * decode(s) -> value | raises, null, array(t) -> t.  Leaves it on the stack.
 */
int	 json_open(lua_State *);

#endif
