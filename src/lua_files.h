/*
 * The Lua files an app loads, for reload_on_change (watch.h): tracked
 * only in master_test_apps's throwaway test process, never in a worker.
 */
#ifndef FCGISERVE_LUA_FILES_H
#define FCGISERVE_LUA_FILES_H

struct lua_State;

/* From now on this process notes every Lua file an app loads. */
void	lua_files_track(void);
/*
 * Called by lua_app_load, in protected mode, before the app file runs:
 * notes path and, when tracking, installs what notices require, dofile
 * and loadfile.  Does nothing when not tracking.
 */
void	lua_files_install(struct lua_State *, const char *path);
/*
 * Writes what was noted to fd, absolute paths each ending in a NUL, and
 * forgets it.  Returns 0, or -1 if the write failed.
 */
int	lua_files_send(int fd);

#endif
