#include "node/debug_log.hpp"

namespace peregrine::node {

OptionSpec debug_log_option() {
  return {"debuglogfile", ArgKind::value, "FILE|0",
          "also log to FILE, relative to the datadir (default debug.log; 0: stderr only); SIGHUP reopens it"};
}

std::expected<std::shared_ptr<util::LogFile>, std::string> open_debug_log(const ParsedArgs& args,
                                                                          const std::filesystem::path& datadir) {
  const std::string name = args.value("debuglogfile").value_or("debug.log");
  if (name == "0") return nullptr;
  return util::LogFile::open(datadir / name); // an absolute FILE stays as it is
}

util::Logger make_node_logger(const std::shared_ptr<util::LogFile>& file) {
  return util::Logger(file ? util::Logger::stderr_and_file_sink(file) : util::Logger::stderr_sink());
}

} // namespace peregrine::node
