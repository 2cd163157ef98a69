#include "net/targets.h"

#include <fstream>

#include "gtest/gtest.h"

namespace highport::net {
namespace {

std::vector<std::string> Texts(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& t : targets) out.push_back(t.ToString());
  return out;
}

TEST(Targets, HostsAddressesAndPorts) {
  EXPECT_EQ(Texts(*ParseTargets("dc01", 135, 10)), std::vector<std::string>{"dc01:135"});
  EXPECT_EQ(Texts(*ParseTargets("dc01.corp.example:1135", 135, 10)),
            std::vector<std::string>{"dc01.corp.example:1135"});
  EXPECT_EQ(Texts(*ParseTargets("10.0.0.5", 135, 10)), std::vector<std::string>{"10.0.0.5:135"});
  EXPECT_EQ(Texts(*ParseTargets("10.0.0.5:593", 135, 10)), std::vector<std::string>{"10.0.0.5:593"});
  EXPECT_EQ(Texts(*ParseTargets("fe80::1", 135, 10)), std::vector<std::string>{"[fe80::1]:135"});
  EXPECT_EQ(Texts(*ParseTargets("[fe80::1]:136", 135, 10)), std::vector<std::string>{"[fe80::1]:136"});
  EXPECT_EQ(Texts(*ParseTargets(" 127.0.0.1 ", 135, 10)), std::vector<std::string>{"127.0.0.1:135"});
}

TEST(Targets, BlocksSkipNetworkAndBroadcast) {
  EXPECT_EQ(Texts(*ParseTargets("192.0.2.0/30", 135, 10)),
            (std::vector<std::string>{"192.0.2.1:135", "192.0.2.2:135"}));
  // The host bits of the given address do not matter.
  EXPECT_EQ(Texts(*ParseTargets("192.0.2.77/30:1135", 135, 10)),
            (std::vector<std::string>{"192.0.2.77:1135", "192.0.2.78:1135"}));
  EXPECT_EQ(Texts(*ParseTargets("192.0.2.77/31", 135, 10)),
            (std::vector<std::string>{"192.0.2.76:135", "192.0.2.77:135"}));
  EXPECT_EQ(Texts(*ParseTargets("192.0.2.9/32", 135, 10)), std::vector<std::string>{"192.0.2.9:135"});
  EXPECT_EQ(ParseTargets("192.0.2.0/24", 135, 1000)->size(), 254u);
  EXPECT_EQ(Texts(*ParseTargets("2001:db8::/127", 135, 10)),
            (std::vector<std::string>{"[2001:db8::]:135", "[2001:db8::1]:135"}));
}

TEST(Targets, RefusesWhatItCannotReadOrWhatIsTooLarge) {
  Result<std::vector<Target>> wide = ParseTargets("10.0.0.0/8", 135, 256);
  ASSERT_FALSE(wide);
  EXPECT_EQ(wide.error().message, "'10.0.0.0/8' holds 16777214 addresses, more than --max-hosts 256");
  EXPECT_FALSE(ParseTargets("10.0.0.0/33", 135, 256));
  EXPECT_FALSE(ParseTargets("10.0.0.0/x", 135, 256));
  EXPECT_FALSE(ParseTargets("::/0", 135, 256));
  EXPECT_FALSE(ParseTargets("dc01:99999", 135, 256));
  EXPECT_FALSE(ParseTargets("dc01:0", 135, 256));
  EXPECT_FALSE(ParseTargets("[fe80::1", 135, 256));
  EXPECT_FALSE(ParseTargets("", 135, 256));
  EXPECT_FALSE(ParseTargets("dc 01", 135, 256));
  EXPECT_FALSE(ParseTargets("dc01;rm", 135, 256));
}

TEST(Targets, FileWithCommentsAndErrorsThatSayWhere) {
  std::string path = ::testing::TempDir() + "/hosts.txt";
  {
    std::ofstream out(path);
    out << "# domain controllers\r\ndc01\r\n\r\n10.0.0.5:1135  # odd port\r\n192.0.2.0/30\r\n";
  }
  EXPECT_EQ(Texts(*ReadTargetsFile(path, 135, 10)),
            (std::vector<std::string>{"dc01:135", "10.0.0.5:1135", "192.0.2.1:135", "192.0.2.2:135"}));
  {
    std::ofstream out(path);
    out << "dc01\nbad host\n";
  }
  Result<std::vector<Target>> bad = ReadTargetsFile(path, 135, 10);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, path + ":2: 'bad host' is not a host name or address");
  EXPECT_FALSE(ReadTargetsFile(path + ".missing", 135, 10));
}

}  // namespace
}  // namespace highport::net
