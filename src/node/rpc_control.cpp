#include "node/rpc_control.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "node/core_json.hpp"
#include "node/rpc_params.hpp"

namespace peregrine::node {

std::string help_text(const RpcDispatcher& rpc, std::string_view method) {
  if (!method.empty()) {
    const RpcMethod* m = rpc.find(method);
    if (!m) return fmt::format("help: unknown command: {}", method);
    return m->help.empty() ? std::string(method) : m->help;
  }
  std::map<std::string, std::vector<std::string>> by_category;
  for (const auto& name : rpc.method_names()) {
    const RpcMethod* m = rpc.find(name);
    const std::string first_line = m->help.empty() ? name : m->help.substr(0, m->help.find('\n'));
    by_category[m->category.empty() ? "Control" : m->category].push_back(first_line);
  }
  std::string out;
  for (const auto& [category, lines] : by_category) {
    if (!out.empty()) out += "\n";
    out += fmt::format("== {} ==\n", category);
    for (const auto& line : lines) out += line + "\n";
  }
  if (!out.empty()) out.pop_back(); // Core's text ends without a newline
  return out;
}

RpcResult memory_info(std::string_view mode) {
  if (mode == "stats") {
    // Core's locked pool holds wallet keys; this node locks no memory, so its figures are all zero.
    util::json::Value locked = util::json::Value::object();
    for (const char* key : {"used", "free", "total", "locked", "chunks_used", "chunks_free"}) locked.set(key, 0);
    // Peregrine's own figure (not in Core): what glibc's malloc has handed out and not taken back,
    // small blocks (uordblks) plus mmapped large ones (hblkhd).
    const struct mallinfo2 m = mallinfo2();
    util::json::Value heap = util::json::Value::object();
    heap.set("in_use", static_cast<std::uint64_t>(m.uordblks + m.hblkhd));
    heap.set("mmapped", static_cast<std::uint64_t>(m.hblkhd));
    heap.set("arena", static_cast<std::uint64_t>(m.arena));
    heap.set("free", static_cast<std::uint64_t>(m.fordblks));
    util::json::Value out = util::json::Value::object();
    out.set("locked", std::move(locked));
    out.set("peregrine_heap", std::move(heap));
    return out;
  }
  if (mode == "mallinfo") {
    // glibc's malloc_info XML, as Core returns it.
    char* buffer = nullptr;
    std::size_t size = 0;
    FILE* f = open_memstream(&buffer, &size);
    if (!f) return std::unexpected(RpcError{rpc_code::misc_error, "mallinfo: cannot open a memory stream"});
    malloc_info(0, f);
    std::fclose(f);
    std::string xml(buffer, size);
    std::free(buffer);
    return util::json::Value(std::move(xml));
  }
  return std::unexpected(rpc::invalid_parameter(fmt::format("unknown mode {}", mode)));
}

namespace {

using namespace rpc;

RpcResult getmempoolinfo() {
  // No mempool yet: Core's answer for an empty one, with Core's default policy figures.
  json::Value out = json::Value::object();
  out.set("loaded", true);
  out.set("size", 0);
  out.set("bytes", 0);
  out.set("usage", 0);
  out.set("total_fee", amount_json(0));
  out.set("maxmempool", 300'000'000);
  out.set("mempoolminfee", amount_json(1000));
  out.set("minrelaytxfee", amount_json(1000));
  out.set("incrementalrelayfee", amount_json(1000));
  out.set("unbroadcastcount", 0);
  out.set("fullrbf", true);
  return out;
}

RpcResult getrpcinfo(const RpcDispatcher& rpc, const SyncNode& node) {
  const auto now = std::chrono::steady_clock::now();
  json::Value calls = json::Value::array();
  for (const auto& call : rpc.active_calls()) {
    json::Value c = json::Value::object();
    c.set("method", call.method);
    c.set("duration", std::chrono::duration_cast<std::chrono::microseconds>(now - call.started).count());
    calls.push_back(std::move(c));
  }
  json::Value out = json::Value::object();
  out.set("active_commands", std::move(calls));
  out.set("logpath", (node.datadir / "debug.log").string());
  return out;
}

// Core's `logging ( ["include_category",...] ["exclude_category",...] )`: switches debug lines by
// category ("all" or "1" for every one, "none" or "0" in exclude too) and lists them all.
RpcResult logging(const SyncNode& node, const Args& args) {
  auto apply = [&node](const json::Value* list, bool on) -> std::expected<void, RpcError> {
    if (!list) return {};
    const auto* names = list->as_array();
    if (!names) return std::unexpected(type_error(*list, "array"));
    for (const auto& name : *names) {
      const std::string* text = name.as_string();
      if (!text) return std::unexpected(type_error(name, "string"));
      const bool every = *text == "all" || *text == "1" || *text == "none" || *text == "0";
      const bool known = std::find(std::begin(util::kLogCategories), std::end(util::kLogCategories), *text) !=
                         std::end(util::kLogCategories);
      if (!every && !known) return std::unexpected(invalid_parameter(fmt::format("unknown logging category {}", *text)));
      for (auto category : util::kLogCategories)
        if (every || category == *text) node.log.set_debug(category, on && *text != "none" && *text != "0");
    }
    return {};
  };
  if (auto included = apply(arg(args, 0), true); !included) return std::unexpected(included.error());
  if (auto excluded = apply(arg(args, 1), false); !excluded) return std::unexpected(excluded.error());
  json::Value out = json::Value::object();
  for (auto category : util::kLogCategories)
    out.set(std::string(category), node.log.enabled(util::LogLevel::debug) || node.log.debug_enabled(category));
  return out;
}

} // namespace

void add_control_methods(RpcDispatcher& rpc, SyncNode& node) {
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::string category, std::string help,
                    std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn), {}, std::move(help), std::move(category)});
  };
  add("help", {"command"}, "Control", "help ( \"command\" )\n\nList all commands, or get help for a specified command.",
      [&rpc](const Args& a) -> RpcResult {
        std::string method;
        if (arg(a, 0)) {
          auto name = string_arg(a, 0, "command");
          if (!name) return std::unexpected(name.error());
          method = *name;
        }
        return json::Value(help_text(rpc, method));
      });
  add("uptime", {}, "Control", "uptime\n\nReturns the total uptime of the server.", [&node](const Args&) -> RpcResult {
    return json::Value(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - node.started).count());
  });
  add("getrpcinfo", {}, "Control", "getrpcinfo\n\nReturns details of the RPC server.",
      [&rpc, &node](const Args&) { return getrpcinfo(rpc, node); });
  add("logging", {"include", "exclude"}, "Control",
      "logging ( [\"include_category\",...] [\"exclude_category\",...] )\n\nGets and sets the logging configuration: "
      "debug lines per category (all, or one of the categories listed).",
      [&node](const Args& a) { return logging(node, a); });
  add("getmemoryinfo", {"mode"}, "Control",
      "getmemoryinfo ( \"mode\" )\n\nReturns an object containing information about memory usage: mode \"stats\" "
      "(default; Core's locked-pool figures, all zero here, and peregrine_heap: bytes malloc has handed out) or "
      "\"mallinfo\" (glibc's malloc_info XML).",
      [](const Args& a) -> RpcResult {
        std::string mode = "stats";
        if (arg(a, 0)) {
          auto given = string_arg(a, 0, "mode");
          if (!given) return std::unexpected(given.error());
          mode = *given;
        }
        return memory_info(mode);
      });
  add("stop", {}, "Control", "stop\n\nRequest a graceful shutdown of Peregrine.", [&node](const Args&) -> RpcResult {
    node.request_stop();
    return json::Value(std::string("Peregrine stopping"));
  });
  add("getindexinfo", {"index_name"}, "Util",
      "getindexinfo ( \"index_name\" )\n\nReturns the status of one or all available indices currently running in the node "
      "(this node keeps none: always {}).",
      [](const Args&) -> RpcResult { return json::Value::object(); });
  add("getmempoolinfo", {}, "Blockchain",
      "getmempoolinfo\n\nReturns details on the active state of the TX memory pool (this node has none yet: always empty).",
      [](const Args&) { return getmempoolinfo(); });
}

} // namespace peregrine::node
