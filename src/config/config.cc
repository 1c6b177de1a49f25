// LoadConfig: one CLI11 option per schema row (config_spec.cc), the redis.conf-style file read by
// a CLI11 config formatter (config_file.cc). CLI11 applies file values only to options the
// command line did not set, which gives defaults < file < flags without code of our own.
#include "cairn/config/config.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "config_file.h"
#include "config_spec.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "unknown"
#endif

namespace cairn {
namespace {

using config_internal::ConfigFileFormat;
using config_internal::ConfigSpec;
using config_internal::ConfigSpecs;

constexpr const char* kDescription =
    "Cairn: an in-memory cache server that speaks the Redis protocol.\n"
    "Run as: cairn-server [CONFIG_FILE] [OPTIONS] (the config file, if any, comes first)";
constexpr const char* kFooter =
    "Every option is also a config-file key (`maxmemory 100mb`, see config/cairn.conf).\n"
    "Precedence: defaults < config file < command-line flags < CONFIG SET.";

void AddSpecOption(CLI::App& app, const ConfigSpec& spec, const ConfigChoices& choices,
                   const ServerConfig& defaults, ServerConfig& work) {
  std::string names = "--" + spec.name;
  for (const std::string& alias : spec.aliases) names += ",--" + alias;
  CLI::callback_t apply = [&spec, &choices, &work](const CLI::results_t& values) {
    std::string joined = CLI::detail::join(values, " ");
    if (auto err = spec.set(joined, choices, work)) {
      throw CLI::ValidationError(config_internal::InvalidValueMessage(spec.name, joined, *err));
    }
    return true;
  };
  CLI::Option* opt = app.add_option(names, apply, spec.help);
  opt->type_name(spec.type_name);
  opt->default_str(spec.file_value(defaults));
  if (spec.multi) {
    opt->expected(1, CLI::detail::expected_max_vector_size)->allow_extra_args();
  } else {
    opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
}

// CLI11 wants the arguments reversed. A first argument that is not a flag is the config file.
std::vector<std::string> ReversedArgs(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  if (!args.empty() && !args.front().empty() && args.front().front() != '-') {
    args.insert(args.begin(), "--config");
  }
  return {args.rbegin(), args.rend()};
}

LoadResult Error(std::string message) {
  LoadResult r;
  r.error = std::move(message);
  r.exit_code = 1;
  return r;
}

LoadResult Exit() {
  LoadResult r;
  r.exit = true;
  return r;
}

}  // namespace

LoadResult LoadConfig(int argc, const char* const* argv, ServerConfig& cfg) {
  return LoadConfig(argc, argv, cfg, ConfigChoices{}, std::cout);
}

LoadResult LoadConfig(int argc, const char* const* argv, ServerConfig& cfg,
                      const ConfigChoices& choices, std::ostream& out) {
  ServerConfig work = cfg;  // cfg changes only when everything parsed
  const ServerConfig defaults;

  CLI::App app{kDescription, "cairn-server"};
  app.footer(kFooter);
  app.get_formatter()->column_width(36);
  auto format = std::make_shared<ConfigFileFormat>(choices);
  app.config_formatter(format);
  CLI::Option* config_opt =
      app.set_config("--config", "",
                     "read settings from FILE (redis.conf syntax); may also be "
                     "given as the first argument");
  config_opt->type_name("FILE");
  app.set_version_flag("-v,--version", std::string("cairn-server ") + CAIRN_VERSION);
  bool dump = false;
  app.add_flag("--dump-config", dump,
               "print the effective configuration in config-file syntax and exit")
      ->configurable(false);
  bool markdown = false;
  app.add_flag("--dump-config-markdown", markdown,
               "print every key (default, run-time changeable, meaning) as a Markdown table and "
               "exit")
      ->configurable(false);
  for (const ConfigSpec& spec : ConfigSpecs()) AddSpecOption(app, spec, choices, defaults, work);

  std::string config_path;
  try {
    app.parse(ReversedArgs(argc, argv));
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return Exit();
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return Exit();
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << '\n';
    return Exit();
  } catch (const CLI::FileError& e) {
    std::string path = config_opt->count() > 0 ? config_opt->as<std::string>() : "";
    if (format->problem()) return Error("config file '" + path + "', " + *format->problem());
    return Error("cannot read config file '" + path + "'");
  } catch (const CLI::ExtrasError& e) {
    return Error(std::string(e.what()) +
                 " (options are --key value; a config file must be the first argument)");
  } catch (const CLI::ParseError& e) {
    return Error(e.what());
  }
  if (config_opt->count() > 0) work.config_file = config_opt->as<std::string>();
  cfg = std::move(work);
  if (markdown) {
    out << config_internal::ConfigMarkdownTable();
    return Exit();
  }
  if (dump) {
    out << DumpConfig(cfg);
    return Exit();
  }
  return LoadResult{};
}

std::string DumpConfig(const ServerConfig& cfg) {
  std::string out;
  for (const ConfigSpec& spec : ConfigSpecs()) {
    out += spec.name;
    out += ' ';
    out += spec.file_value(cfg);
    out += '\n';
  }
  return out;
}

}  // namespace cairn
