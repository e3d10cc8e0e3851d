// SPDX-License-Identifier: Apache-2.0
// A 3-node JetStream cluster of nats-server on 127.0.0.1 for tests and benchmarks: free ports,
// data in a temporary directory, every process started and stopped by its pid (also when the
// owner is destroyed by a failing test).
#ifndef CONSENT_TESTS_SUPPORT_NATS_CLUSTER_H_
#define CONSENT_TESTS_SUPPORT_NATS_CLUSTER_H_

#include <nats/nats.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace consent::testing {

// nats-server's path, or "" when it is not installed.
inline std::string FindNatsServer() {
  for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

// A port the kernel says is free on 127.0.0.1 now.
inline int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// Starts `argv` with stdout and stderr appended to `log`; returns its pid (-1 on failure). The
// child gets SIGKILL when the thread that started it dies, so a crashing test leaves no server.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  execv(args[0], args.data());
  _exit(127);
}

// SIGKILLs `pid` and reaps it.
inline void KillAndReap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// Waits up to `timeout` for `pid` to exit; its exit code, or nullopt (still running).
inline std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class NatsCluster {
 public:
  static constexpr int kNodes = 3;

  // Creates the directory and the configuration; Start() launches the servers.
  explicit NatsCluster(std::string server = FindNatsServer()) : server_(std::move(server)) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("consent-nats-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < kNodes; ++i) {
      client_ports_[i] = FreeLoopbackPort();
      cluster_ports_[i] = FreeLoopbackPort();
    }
    for (int i = 0; i < kNodes; ++i) WriteConfig(i);
  }
  ~NatsCluster() {
    for (int i = 0; i < kNodes; ++i) Kill(i);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  // Starts every node and waits until JetStream answers. False when it does not within 20 s.
  bool Start() {
    for (int i = 0; i < kNodes; ++i) Restart(i);
    return WaitReady(std::chrono::seconds(20));
  }
  void Restart(int i) {
    if (pids_[i] > 0) return;
    pids_[i] = Spawn({server_, "-c", (dir_ / (Name(i) + ".conf")).string()}, (dir_ / (Name(i) + ".log")).string());
  }
  void Kill(int i) {
    KillAndReap(pids_[i]);
    pids_[i] = -1;
  }
  bool running(int i) const { return pids_[i] > 0; }

  static std::string Name(int i) { return "n" + std::to_string(i); }
  std::string Url(int i) const { return "nats://127.0.0.1:" + std::to_string(client_ports_[i]); }
  std::string Urls() const {
    std::string s;
    for (int i = 0; i < kNodes; ++i) s += (i ? "," : "") + Url(i);
    return s;
  }
  const std::filesystem::path& dir() const { return dir_; }

  // Index of the node leading `stream`, -1 when unknown.
  int StreamLeader(const std::string& stream) const {
    int leader = -1;
    WithJetStream([&](jsCtx* js) {
      jsStreamInfo* si = nullptr;
      if (js_GetStreamInfo(&si, js, stream.c_str(), nullptr, nullptr) != NATS_OK) return;
      if (si->Cluster != nullptr && si->Cluster->Leader != nullptr) {
        for (int i = 0; i < kNodes; ++i) {
          if (Name(i) == si->Cluster->Leader) leader = i;
        }
      }
      jsStreamInfo_Destroy(si);
    });
    return leader;
  }

  // Waits until `stream` has a leader and every replica is current (bounded).
  bool WaitStreamHealthy(const std::string& stream, std::chrono::milliseconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      bool healthy = false;
      WithJetStream([&](jsCtx* js) {
        jsStreamInfo* si = nullptr;
        if (js_GetStreamInfo(&si, js, stream.c_str(), nullptr, nullptr) != NATS_OK) return;
        const jsClusterInfo* c = si->Cluster;
        healthy = c != nullptr && c->Leader != nullptr && c->ReplicasLen == kNodes - 1;
        for (int i = 0; healthy && i < c->ReplicasLen; ++i) healthy = c->Replicas[i]->Current && !c->Replicas[i]->Offline;
        jsStreamInfo_Destroy(si);
      });
      if (healthy) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Messages stored in `stream`, -1 when unknown.
  int64_t StreamMessages(const std::string& stream) const {
    int64_t n = -1;
    WithJetStream([&](jsCtx* js) {
      jsStreamInfo* si = nullptr;
      if (js_GetStreamInfo(&si, js, stream.c_str(), nullptr, nullptr) != NATS_OK) return;
      n = static_cast<int64_t>(si->State.Msgs);
      jsStreamInfo_Destroy(si);
    });
    return n;
  }

  // Runs `fn` with a JetStream context on a connection to the running nodes.
  template <typename Fn>
  bool WithJetStream(Fn&& fn) const {
    std::vector<std::string> urls;
    for (int i = 0; i < kNodes; ++i) {
      if (pids_[i] > 0) urls.push_back(Url(i));
    }
    std::vector<const char*> raw;
    for (auto& u : urls) raw.push_back(u.c_str());
    natsOptions* o = nullptr;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    bool ok = natsOptions_Create(&o) == NATS_OK &&
              natsOptions_SetServers(o, raw.data(), static_cast<int>(raw.size())) == NATS_OK &&
              natsOptions_SetTimeout(o, 1000) == NATS_OK && natsConnection_Connect(&nc, o) == NATS_OK;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 2000;
    ok = ok && natsConnection_JetStream(&js, nc, &jo) == NATS_OK;
    if (ok) fn(js);
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    return ok;
  }

  bool WaitReady(std::chrono::milliseconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      bool ready = false;
      WithJetStream([&](jsCtx* js) {
        jsAccountInfo* ai = nullptr;
        if (js_GetAccountInfo(&ai, js, nullptr, nullptr) == NATS_OK) {
          ready = true;
          jsAccountInfo_Destroy(ai);
        }
      });
      if (ready) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  void WriteConfig(int i) const {
    std::ofstream f(dir_ / (Name(i) + ".conf"));
    f << "server_name: " << Name(i) << "\n"
      << "listen: 127.0.0.1:" << client_ports_[i] << "\n"
      << "jetstream { store_dir: \"" << (dir_ / Name(i)).string() << "\", max_memory_store: 64MB, max_file_store: 2GB }\n"
      << "cluster {\n  name: consent-test\n  listen: 127.0.0.1:" << cluster_ports_[i] << "\n  routes: [\n";
    for (int j = 0; j < kNodes; ++j) {
      if (j != i) f << "    nats-route://127.0.0.1:" << cluster_ports_[j] << "\n";
    }
    f << "  ]\n}\n";
  }

  std::string server_;
  std::filesystem::path dir_;
  int client_ports_[kNodes] = {};
  int cluster_ports_[kNodes] = {};
  pid_t pids_[kNodes] = {-1, -1, -1};
};

}  // namespace consent::testing

#endif  // CONSENT_TESTS_SUPPORT_NATS_CLUSTER_H_
