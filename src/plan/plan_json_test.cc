#include "plan/plan_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "plan/plan_testing.h"

namespace highport::plan {
namespace {

using Json = nlohmann::ordered_json;

std::string Edited(const std::function<void(Json&)>& edit) {
  Json doc = PlanToJson(testing::SamplePlan());
  edit(doc);
  return doc.dump();
}

std::string ErrorOf(const std::string& text) {
  auto plan = PlanFromText(text, "plan.json");
  return plan ? std::string("(accepted)") : plan.error().message;
}

TEST(PlanJson, RoundTripKeepsEveryValue) {
  const Plan original = testing::SamplePlan();
  const std::string text = PlanToText(original);
  auto read = PlanFromText(text, "plan.json");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(PlanToText(*read), text);
  EXPECT_EQ(read->hosts.size(), 4u);
  EXPECT_EQ(read->hosts[1].addresses[1], "fd00::11");
  EXPECT_EQ(read->ranges[0].range, (PortRange{5001, 5100}));
  EXPECT_EQ(read->pins[0].value_name, "TCP/IP Port");
  EXPECT_EQ(read->pins[3].kind, PinKind::kDcomAppId);
  EXPECT_EQ(read->minimise[1].action, MinimiseAction::kNetbtOff);
  EXPECT_EQ(read->firewall.rules[2].keyword, RuleKeyword::kRpc);
  EXPECT_EQ(read->firewall.rules[3].proto, Proto::kUdp);
  EXPECT_EQ(read->firewall.uncovered[0].port, 8080);
}

TEST(PlanJson, DocumentStartsWithItsSchemaAndVersion) {
  Json doc = PlanToJson(testing::SamplePlan());
  EXPECT_EQ(doc.begin().key(), "schema");
  EXPECT_EQ(doc["schema"], "highport-plan");
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["ranges"][0]["ports"], 100);
}

TEST(PlanJson, NotJsonSaysWhere) {
  std::string error = ErrorOf("{\n  \"schema\": \"highport-plan\",\n  oops\n}");
  EXPECT_NE(error.find("plan.json: not JSON"), std::string::npos) << error;
  EXPECT_NE(error.find("line 3"), std::string::npos) << error;
}

TEST(PlanJson, OtherDocumentsAndNewerVersionsAreRefused) {
  EXPECT_NE(ErrorOf(R"({"schema": "something-else", "schema_version": 1})").find("not highport plans"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"schema": "highport-plan", "schema_version": 7})").find("newer"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[1,2]").find("JSON object"), std::string::npos);
}

TEST(PlanJson, EveryProblemIsNamedByItsPointer) {
  std::string error = ErrorOf(Edited([](Json& d) {
    d["pins"][2]["port"] = 80;
    d["firewall"]["rules"][0]["clients"][0] = "10.0.1.5/24";
    d["firewall"]["rules"][1]["ports"][0] = "1024-65535";
    d["ranges"][0]["range"] = "5100-5000";
    d["hosts"][0]["role"] = "king";
    d["pins"][0]["host"] = "nosuch";
  }));
  EXPECT_NE(error.find("/pins/2/port: 80 is outside 1024-65535"), std::string::npos) << error;
  EXPECT_NE(error.find("/firewall/rules/0/clients/0: '10.0.1.5/24' has host bits set"),
            std::string::npos) << error;
  EXPECT_NE(error.find("/firewall/rules/1/ports/0: '1024-65535' opens every high port"),
            std::string::npos) << error;
  EXPECT_NE(error.find("/ranges/0/range: '5100-5000' is not a port range"), std::string::npos)
      << error;
  EXPECT_NE(error.find("/hosts/0/role: 'king' is not one of"), std::string::npos) << error;
  EXPECT_NE(error.find("/pins/0/host: host 'nosuch' is not in /hosts"), std::string::npos) << error;
  EXPECT_NE(error.find("6 problem(s)"), std::string::npos) << error;
}

TEST(PlanJson, HostListenersRoundTripAndAreOptional) {
  auto read = PlanFromText(PlanToText(testing::SamplePlan()), "plan.json");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->hosts[2].listeners,
            (std::vector<std::string>{"tcp/135", "tcp/139", "tcp/445", "tcp/5985", "udp/137"}));
  EXPECT_TRUE(read->hosts[3].listeners.empty());
  // A plan written before hosts had listeners still loads, with none.
  std::string old = Edited([](Json& d) {
    for (Json& h : d["hosts"]) h.erase("listeners");
  });
  auto older = PlanFromText(old, "old-plan.json");
  ASSERT_TRUE(older) << older.error().message;
  for (const HostEntry& h : older->hosts) EXPECT_TRUE(h.listeners.empty()) << h.name;
  // A listener must say PROTO/PORT.
  std::string error = ErrorOf(Edited([](Json& d) {
    d["hosts"][0]["listeners"][1] = "tcp/0";
    d["hosts"][1]["listeners"][0] = "sctp/88";
    d["hosts"][2]["listeners"] = "tcp/135";
  }));
  EXPECT_NE(error.find("/hosts/0/listeners/1: 'tcp/0' is not PROTO/PORT"), std::string::npos) << error;
  EXPECT_NE(error.find("/hosts/1/listeners/0: 'sctp/88' is not PROTO/PORT"), std::string::npos) << error;
  EXPECT_NE(error.find("/hosts/2/listeners: must be a list of strings"), std::string::npos) << error;
}

TEST(PlanJson, AnyToAnyClientsAndTinyRangesAreRefused) {
  EXPECT_NE(ErrorOf(Edited([](Json& d) { d["firewall"]["rules"][0]["clients"] = {"0.0.0.0/0"}; }))
                .find("allows every address"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Edited([](Json& d) { d["ranges"][0]["range"] = "5000-5004"; }))
                .find("at least 10 ports"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Edited([](Json& d) { d["firewall"]["rules"][0]["clients"] = Json::array(); }))
                .find("must not be empty"),
            std::string::npos);
}

TEST(PlanJson, DuplicateIdsAndHostsInTwoRangesAreRefused) {
  std::string error = ErrorOf(Edited([](Json& d) {
    d["pins"][1]["id"] = d["pins"][0]["id"];
    d["ranges"][1]["hosts"].push_back("dc01");
  }));
  EXPECT_NE(error.find("is used twice"), std::string::npos) << error;
  EXPECT_NE(error.find("host 'dc01' has two ranges"), std::string::npos) << error;
}

TEST(PlanJson, WrongTypesAreProblemsNotCrashes) {
  std::string error = ErrorOf(Edited([](Json& d) {
    d["hosts"] = "dc01";
    d["pins"][0] = 5;
    d["firewall"]["rules"][0]["flows"] = "many";
    d["firewall"]["coverage"] = 3;
  }));
  EXPECT_NE(error.find("/hosts: must be a list"), std::string::npos) << error;
  EXPECT_NE(error.find("/pins/0: must be an object"), std::string::npos) << error;
  EXPECT_NE(error.find("/firewall/rules/0/flows: must be a whole number"), std::string::npos) << error;
  EXPECT_NE(error.find("/firewall/coverage: must be a number from 0 to 1"), std::string::npos) << error;
}

}  // namespace
}  // namespace highport::plan

namespace highport::plan {
namespace {

// The sample plan as a document: docs/plan.md's example and the fuzz seed.
TEST(PlanJson, SampleDocumentIsTheGoldenFile) {
  const std::string path = std::string(HIGHPORT_SOURCE_DIR) + "/src/plan/testdata/sample-plan.json";
  const std::string text = PlanToText(testing::SamplePlan());
  if (std::getenv("HIGHPORT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), text) << "differs from " << path << " (HIGHPORT_UPDATE_GOLDEN=1 writes it)";
}

}  // namespace
}  // namespace highport::plan
