// INFO [section ...]: the server's report (info_command.cc). Internal to the command module.
#pragma once

#include "cairn/command/context.h"

namespace cairn {

void InfoCommand(CommandContext& ctx, Args args);

}  // namespace cairn
