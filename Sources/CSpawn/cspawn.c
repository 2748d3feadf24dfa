#define _GNU_SOURCE
#include "cspawn.h"
#include <signal.h>
#include <spawn.h>

// posix_spawn rather than Foundation's Process: Process learns that a child ended through
// a socket the child inherits, so a daemon the child leaves behind (sccache's server)
// makes it wait until the daemon exits. Here no descriptor beyond 0-2 reaches the child.
int cspawn(const char *path, char *const argv[], char *const envp[], const char *dir,
           int in, int out, int err, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) { posix_spawn_file_actions_destroy(&actions); return rc; }
    if (in >= 0) rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, in, 0);
    if (out >= 0) rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, out, 1);
    if (err >= 0) rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions, err, 2);
    rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (dir) rc = rc ? rc : posix_spawn_file_actions_addchdir_np(&actions, dir);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    rc = rc ? rc : posix_spawnattr_setsigdefault(&attributes, &all);
    rc = rc ? rc : posix_spawnattr_setsigmask(&attributes, &none);
    rc = rc ? rc : posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
