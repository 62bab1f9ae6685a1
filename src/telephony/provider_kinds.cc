#include "telephony/provider_kinds.h"

#include "telephony/http/http_agent_kind.h"
#include "telephony/simulator/simulator_kind.h"
#include "telephony/twilio/twilio_kind.h"

namespace batchcall {

const ProviderKinds& BuiltInProviderKinds() {
  static const ProviderKinds kinds({
      SimulatorKind(),
      TwilioKind(),
      HttpAgentKind(),
  });
  return kinds;
}

}  // namespace batchcall
