#include "operator/common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace certstore {
namespace fs = std::filesystem;

namespace {
std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string RandomSuffix() {
  std::random_device rd;
  std::ostringstream os;
  os << std::hex << rd() << rd();
  return os.str();
}

Status WriteNew(const std::string& path, const std::string& bytes,
                unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return UnavailableError(Errno("cannot create", path));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = UnavailableError(Errno("cannot write", path));
      ::close(fd);
      return st;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return UnavailableError(Errno("cannot flush", path));
  return OkStatus();
}
}  // namespace

bool PathExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return InvalidArgumentError(path + " is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path, ec)) return NotFoundError("no such file: " + path);
    return UnavailableError(Errno("cannot read", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, const std::string& bytes,
                       unsigned mode) {
  std::error_code ec;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec)
    return UnavailableError("cannot create directory for " + path + ": " +
                            ec.message());
  std::string tmp = path + ".tmp-" + RandomSuffix();
  RETURN_IF_ERROR(WriteNew(tmp, bytes, mode));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = UnavailableError(Errno("cannot rename into", path));
    ::unlink(tmp.c_str());
    return st;
  }
  return OkStatus();
}

Status ReplaceDirectory(const std::string& dir,
                        const std::map<std::string, std::string>& files,
                        unsigned mode) {
  std::error_code ec;
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path parent = target.has_parent_path() ? target.parent_path() : ".";
  fs::create_directories(parent, ec);
  if (ec)
    return UnavailableError("cannot create " + parent.string() + ": " +
                            ec.message());
  fs::path tmp =
      parent / ("." + target.filename().string() + ".tmp-" + RandomSuffix());
  fs::create_directory(tmp, ec);
  if (ec)
    return UnavailableError("cannot create " + tmp.string() + ": " +
                            ec.message());
  for (const auto& [name, bytes] : files) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." ||
        name == "..") {
      fs::remove_all(tmp, ec);
      return InvalidArgumentError("invalid file name \"" + name + "\"");
    }
    Status st = WriteNew((tmp / name).string(), bytes, mode);
    if (!st.ok()) {
      fs::remove_all(tmp, ec);
      return st;
    }
  }
  fs::path old =
      parent / ("." + target.filename().string() + ".old-" + RandomSuffix());
  bool had_old = fs::exists(target, ec);
  if (had_old) {
    fs::rename(target, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return UnavailableError("cannot move aside " + target.string());
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ec2;
    if (had_old) fs::rename(old, target, ec2);
    fs::remove_all(tmp, ec2);
    return UnavailableError("cannot replace " + target.string() + ": " +
                            ec.message());
  }
  if (had_old) fs::remove_all(old, ec);
  return OkStatus();
}

}  // namespace certstore
