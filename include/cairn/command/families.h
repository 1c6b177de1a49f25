// Command families, each registered explicitly (one Register*Commands per file).
#pragma once

#include "cairn/command/command_table.h"

namespace cairn {

void RegisterStringCommands(CommandTable& table);         // string_commands.cc
void RegisterKeyspaceCommands(CommandTable& table);       // keyspace_commands.cc
void RegisterIntrospectionCommands(CommandTable& table);  // introspection_commands.cc (COMMAND)
void RegisterConnectionCommands(CommandTable& table);     // connection_commands.cc
void RegisterServerCommands(CommandTable& table);         // server_commands.cc
void RegisterUndoCommands(CommandTable& table);           // undo_commands.cc (UNDO, REDO)
void RegisterPersistenceCommands(CommandTable& table);    // persistence_commands.cc
void RegisterPubSubCommands(CommandTable& table);         // pubsub_commands.cc
void RegisterObservabilityCommands(CommandTable& table);  // observability_commands.cc (SLOWLOG,
                                                          // MONITOR)
void RegisterClusterCommands(CommandTable& table);        // cluster_commands.cc (CLUSTER ...)
void RegisterTransactionCommands(CommandTable& table);    // transaction_commands.cc (MULTI ...)
void RegisterScriptCommands(CommandTable& table);         // script_commands.cc (EVAL, SCRIPT)
void RegisterMigrateCommands(CommandTable& table);  // migrate_commands.cc (DUMP, RESTORE, MIGRATE)
void RegisterAclCommands(CommandTable& table);      // acl_commands.cc (ACL ...)

}  // namespace cairn
