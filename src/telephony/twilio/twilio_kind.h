// Twilio's provider kind (provider_kind.h): type "twilio", its settings
// validator, a builder of TwilioProvider, and the status callback route
// POST /webhooks/twilio/{attempt_id} (X-Twilio-Signature over the public
// URL and the form, twilio_callback.h). Thread-safe.
#pragma once

#include "telephony/provider_kind.h"

namespace batchcall {

ProviderKind TwilioKind();

}  // namespace batchcall
