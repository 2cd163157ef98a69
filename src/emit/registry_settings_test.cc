#include "emit/registry_settings.h"

#include <gtest/gtest.h>

#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

TEST(RegistrySettings, RangeThenPinsForAWindowsHost) {
  auto plan = plan::testing::SamplePlan();
  auto settings = RegistrySettingsFor(plan, "dc01");
  ASSERT_EQ(settings.size(), 5u);  // Ports, PortsInternetAvailable, UseInternetPorts, NTDS, Netlogon
  EXPECT_EQ(settings[0].key, "HKLM\\Software\\Microsoft\\Rpc\\Internet");
  EXPECT_EQ(settings[0].value.name, "Ports");
  EXPECT_EQ(settings[0].value.type, RegType::kMultiString);
  EXPECT_EQ(settings[0].value.strings, std::vector<std::string>{"5001-5100"});
  EXPECT_EQ(settings[1].value.text, "Y");
  EXPECT_EQ(settings[2].value.name, "UseInternetPorts");
  EXPECT_EQ(settings[3].value.name, "TCP/IP Port");
  EXPECT_EQ(settings[3].value.type, RegType::kDword);
  EXPECT_EQ(settings[3].value.number, 38901u);
  EXPECT_EQ(settings[4].value.name, "DCTcpipPort");
  EXPECT_EQ(settings[4].restart, "service:Netlogon");
}

TEST(RegistrySettings, DcomEndpointsIsAMultiString) {
  auto plan = plan::testing::SamplePlan();
  auto settings = RegistrySettingsFor(plan, "dc02");
  ASSERT_EQ(settings.size(), 4u);
  EXPECT_EQ(settings[3].value.name, "Endpoints");
  EXPECT_EQ(settings[3].value.strings, std::vector<std::string>{"ncacn_ip_tcp,0,38905"});
}

TEST(RegistrySettings, SambaAndCommandPinsHaveNoRegistryValues) {
  auto plan = plan::testing::SamplePlan();
  EXPECT_TRUE(RegistrySettingsFor(plan, "sdc1").empty());
  EXPECT_TRUE(RegistrySettingsFor(plan, "nosuchhost").empty());
  EXPECT_EQ(HostsWithRegistrySettings(plan), (std::vector<std::string>{"dc01", "dc02", "fs01"}));
}

TEST(RegistrySettings, RollbackRemovesTheCreatedKeyAndThePinnedValues) {
  auto plan = plan::testing::SamplePlan();
  auto keys = RollbackKeys(RegistrySettingsFor(plan, "dc01"));
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_TRUE(keys[0].remove);
  EXPECT_EQ(keys[0].path, "HKLM\\Software\\Microsoft\\Rpc\\Internet");
  EXPECT_FALSE(keys[1].remove);
  ASSERT_EQ(keys[1].values.size(), 1u);
  EXPECT_EQ(keys[1].values[0].type, RegType::kDelete);
  EXPECT_EQ(keys[1].values[0].name, "TCP/IP Port");
  EXPECT_EQ(keys[2].values[0].name, "DCTcpipPort");
}

}  // namespace
}  // namespace highport::emit
