#include "s3upload/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace s3upload::log {
namespace {

TEST(QuoteValue, BareWhenSafe) {
  EXPECT_EQ(QuoteValue("policy.acl"), "policy.acl");
  EXPECT_EQ(QuoteValue("/s3/signature"), "/s3/signature");
}

TEST(QuoteValue, QuotesAndEscapesEverythingElse) {
  EXPECT_EQ(QuoteValue(""), "\"\"");
  EXPECT_EQ(QuoteValue("a b"), "\"a b\"");
  EXPECT_EQ(QuoteValue("k=v"), "\"k=v\"");
  EXPECT_EQ(QuoteValue("say \"hi\""), R"("say \"hi\"")");
  // A client cannot start a new log line or smuggle terminal escapes.
  EXPECT_EQ(QuoteValue("x\nlevel=info msg=forged"), R"("x\nlevel=info msg=forged")");
  EXPECT_EQ(QuoteValue("\x1b[31m"), R"("\x1b[31m")");
  EXPECT_EQ(QuoteValue("ü"), R"("\xc3\xbc")");
}

class CapturedLog : public ::testing::Test {
 protected:
  // A temporary file rather than a pipe: a pipe fills up and blocks the writers.
  void SetUp() override {
    fd_ = ::fileno(file_);
    SetOutputFd(fd_);
  }
  void TearDown() override {
    SetBufferSize(0);
    SetOutputFd(STDERR_FILENO);
    std::fclose(file_);
  }
  std::string Drain() {
    std::string out;
    char buffer[4096];
    for (ssize_t n;
         (n = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(out.size()))) > 0;) {
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  // 8 threads write 50 lines each; every line must come out whole.
  void WriteConcurrentlyAndCheckWholeLines() {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < 50; ++i)
          Write(Level::kInfo, "m", {{"thread", std::to_string(t)}, {"pad", std::string(200, 'x')}});
      });
    }
    for (auto& thread : threads) thread.join();
    Flush();
    const std::string out = Drain();
    std::size_t lines = 0;
    for (std::size_t start = 0; start < out.size();) {
      const std::size_t end = out.find('\n', start);
      ASSERT_NE(end, std::string::npos);
      const std::string line = out.substr(start, end - start);
      EXPECT_NE(line.find(" level=info msg=m thread="), std::string::npos) << line;
      EXPECT_EQ(line.size() - line.find(" pad="), 5 + 200u);
      ++lines;
      start = end + 1;
    }
    EXPECT_EQ(lines, 400u);
  }

  std::FILE* file_ = std::tmpfile();
  int fd_ = -1;
};

TEST_F(CapturedLog, OneLineWithLevelMessageAndFields) {
  Write(Level::kWarning, "request", {{"status", "500"}, {"detail", "bad acl"}});
  const std::string out = Drain();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_NE(out.find(" level=warning msg=request status=500 detail=\"bad acl\"\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out[4], '-');  // starts with a timestamp
}

TEST_F(CapturedLog, FieldViewsMakeTheSameLine) {
  const std::string detail = "say \"hi\"";
  const FieldView fields[] = {{"status", "500"}, {"detail", detail}};
  Write(Level::kError, "request", fields);
  Write(Level::kError, "request", {{"status", "500"}, {"detail", detail}});
  const std::string out = Drain();
  const std::size_t first_end = out.find('\n');
  ASSERT_NE(first_end, std::string::npos);
  const std::string first = out.substr(0, first_end + 1);
  const std::string second = out.substr(first_end + 1);
  EXPECT_NE(first.find(R"( level=error msg=request status=500 detail="say \"hi\"")"
                       "\n"),
            std::string::npos)
      << first;
  // Everything after the timestamp ("2024-05-01T12:00:00.123Z") is the same.
  EXPECT_EQ(first.substr(24), second.substr(24));
}

// A long line (a long detail) goes out whole; the next, short one is unaffected by it.
TEST_F(CapturedLog, LongLinesAreWrittenWhole) {
  Write(Level::kInfo, "long", {{"detail", std::string(100'000, 'y')}});
  Write(Level::kInfo, "short", {{"k", "v"}});
  const std::string out = Drain();
  const std::size_t first_end = out.find('\n');
  ASSERT_NE(first_end, std::string::npos);
  EXPECT_NE(out.find(" level=info msg=long detail=" + std::string(100'000, 'y') + "\n"),
            std::string::npos);
  EXPECT_NE(out.find(" level=info msg=short k=v\n", first_end), std::string::npos);
  EXPECT_EQ(out.find('\n', first_end + 1), out.size() - 1);
}

// The messages of the lines in `out`, in order ("" for a line without " msg=").
std::vector<std::string> Messages(const std::string& out) {
  std::vector<std::string> messages;
  for (std::size_t start = 0; start < out.size();) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    const std::size_t msg = line.find(" msg=");
    messages.push_back(
        msg == std::string::npos ? "" : line.substr(msg + 5, line.find(' ', msg + 5) - (msg + 5)));
    start = end + 1;
  }
  return messages;
}

using Lines = std::vector<std::string>;

TEST_F(CapturedLog, BufferedInfoLinesWaitForFlush) {
  SetBufferSize(4096);
  Write(Level::kInfo, "one");
  Write(Level::kInfo, "two", {{"k", "v"}});
  EXPECT_EQ(Drain(), "");
  Flush();
  EXPECT_EQ(Messages(Drain()), (Lines{"one", "two"}));
  Flush();  // nothing left: nothing written twice
  EXPECT_EQ(Messages(Drain()), (Lines{"one", "two"}));
}

TEST_F(CapturedLog, AFullBufferIsWrittenBeforeTheLineThatWouldOverflowIt) {
  SetBufferSize(1000);
  const std::string pad(250, 'x');  // a line of about 300 bytes: three fit, the fourth does not
  for (const char* message : {"a", "b", "c"}) Write(Level::kInfo, message, {{"pad", pad}});
  EXPECT_EQ(Drain(), "");
  Write(Level::kInfo, "d", {{"pad", pad}});
  EXPECT_EQ(Messages(Drain()), (Lines{"a", "b", "c"}));
  Flush();
  EXPECT_EQ(Messages(Drain()), (Lines{"a", "b", "c", "d"}));
}

TEST_F(CapturedLog, WarningsAndErrorsAreWrittenAtOnceAfterTheBufferedLines) {
  SetBufferSize(4096);
  Write(Level::kInfo, "before");
  Write(Level::kWarning, "warned");
  EXPECT_EQ(Messages(Drain()), (Lines{"before", "warned"}));
  Write(Level::kInfo, "between");
  Write(Level::kError, "failed");
  EXPECT_EQ(Messages(Drain()), (Lines{"before", "warned", "between", "failed"}));
}

TEST_F(CapturedLog, ALineLongerThanTheBufferIsWrittenAtOnceInOrder) {
  SetBufferSize(256);
  Write(Level::kInfo, "short");
  Write(Level::kInfo, "long", {{"detail", std::string(1000, 'y')}});
  EXPECT_EQ(Messages(Drain()), (Lines{"short", "long"}));
}

TEST_F(CapturedLog, SwitchingTheBufferOffWritesWhatItHeld) {
  SetBufferSize(4096);
  Write(Level::kInfo, "held");
  SetBufferSize(0);
  EXPECT_EQ(Messages(Drain()), (Lines{"held"}));
  Write(Level::kInfo, "direct");
  EXPECT_EQ(Messages(Drain()), (Lines{"held", "direct"}));
}

TEST_F(CapturedLog, ConcurrentLinesNeverInterleave) { WriteConcurrentlyAndCheckWholeLines(); }

// The same through the buffer: a flush never cuts a line.
TEST_F(CapturedLog, ConcurrentBufferedLinesNeverInterleave) {
  SetBufferSize(1000);
  WriteConcurrentlyAndCheckWholeLines();
}

}  // namespace
}  // namespace s3upload::log
