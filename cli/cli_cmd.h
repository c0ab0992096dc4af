/* cli_cmd.h — one function a command; each returns the process exit code.
 * They borrow the context; nothing here calls exit(). */
#ifndef CLI_CMD_H
#define CLI_CMD_H

#include "cli.h"

int cli_cmd_plan(struct cli_ctx *ctx);
int cli_cmd_apply(struct cli_ctx *ctx);
int cli_cmd_status(struct cli_ctx *ctx);
int cli_cmd_destroy(struct cli_ctx *ctx);
int cli_cmd_render(struct cli_ctx *ctx);
int cli_cmd_ls(struct cli_ctx *ctx);
int cli_cmd_thumbprint(struct cli_ctx *ctx);
int cli_cmd_watch(struct cli_ctx *ctx);

#endif
