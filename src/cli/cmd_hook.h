/* cmd_hook.h: the parts of `trainctl hook` that live in their own files. */
#ifndef TRAINCTL_CMD_HOOK_H
#define TRAINCTL_CMD_HOOK_H

/* `trainctl hook run EVENT ...` (cmd_hook_run.c); argv[0] = "run". */
int cmd_hook_run(int argc, char **argv);

#endif
