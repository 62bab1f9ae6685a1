#include "telephony/simulator/simulator_plan.h"

#include <cmath>
#include <cstdio>

namespace batchcall::sim {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double Round1(double seconds) { return std::round(seconds * 10) / 10; }

int64_t ToMs(double seconds) { return std::llround(seconds * 1000); }

// The draws of one call, always taken in this order so that a change of
// rates or ranges never shifts the other draws.
struct Draws {
  double outcome, ring, talk, voicemail_talk, busy_ring, hangup;
  uint64_t transcript_bits;
};

Draws DrawAll(uint64_t seed, std::string_view key) {
  Rng rng(seed, HashKey(key));
  Draws d;
  d.outcome = rng.Uniform01();
  d.ring = rng.Uniform01();
  d.talk = rng.Uniform01();
  d.voicemail_talk = rng.Uniform01();
  d.busy_ring = rng.Uniform01();
  d.hangup = rng.Uniform01();
  d.transcript_bits = rng.Next();
  return d;
}

double Lerp(double lo, double hi, double u) { return hi <= lo ? lo : lo + (hi - lo) * u; }

void SetSteps(Plan* p) {
  auto add = [p](ExecutionStatus s, int64_t ms) { p->steps[p->num_steps++] = Step{s, ms}; };
  p->num_steps = 0;
  int64_t ring = ToMs(p->ring_s);
  switch (p->outcome) {
    case Outcome::kAnswered:
    case Outcome::kVoicemail: {
      int64_t hangup = kRingingAtMs + ring + ToMs(p->talk_s);
      add(ExecutionStatus::kRinging, kRingingAtMs);
      add(ExecutionStatus::kInProgress, kRingingAtMs + ring);
      add(ExecutionStatus::kCallDisconnected, hangup);
      add(ExecutionStatus::kCompleted, hangup + kCompletedAfterHangupMs);
      break;
    }
    case Outcome::kBusy:
      add(ExecutionStatus::kRinging, kRingingAtMs);
      add(ExecutionStatus::kBusy, kRingingAtMs + ring);
      break;
    case Outcome::kNoAnswer:
      add(ExecutionStatus::kRinging, kRingingAtMs);
      add(ExecutionStatus::kNoAnswer, kRingingAtMs + ring);
      break;
    case Outcome::kFailed:
      add(ExecutionStatus::kFailed, kFailedAtMs);
      break;
  }
}

Plan Cosmetic(uint64_t seed, double speed, const Draws& d) {
  Plan p;
  p.seed = seed;
  p.speed = speed;
  p.user_hung_up = d.hangup < 0.5;
  p.transcript_bits = d.transcript_bits;
  return p;
}

// Canned lines for the simulated conversation; picked by transcript_bits.
constexpr std::string_view kUserOpeners[] = {
    "Hello?", "Hi, yes, speaking.", "Yes, who is this?", "Hi there.", "Hello, this is me.",
};
constexpr std::string_view kAgentMiddles[] = {
    "Thanks for picking up. I'm calling to follow up on your recent request.",
    "I'm calling to confirm your upcoming appointment. Does that time still work for you?",
    "I wanted to share a quick update about your account. Do you have a minute?",
    "I'm reaching out to check whether you received the information we sent.",
};
constexpr std::string_view kUserReplies[] = {
    "Sure, go ahead.", "Yes, that works for me.", "I'm a bit busy, can you keep it short?",
    "Okay, that sounds good.", "Could you send me the details by email?",
};
constexpr std::string_view kAgentClosings[] = {
    "Great, I've noted that. Thank you for your time, have a nice day!",
    "Perfect. You'll get a confirmation shortly. Goodbye!",
    "Understood, thank you. Have a great day!",
};
constexpr std::string_view kUserClosings[] = {
    "Sorry, I have to go now. Bye.", "Thanks, bye.", "I'll call you back later.",
};

template <size_t N>
std::string_view Pick(const std::string_view (&pool)[N], uint64_t* bits) {
  std::string_view s = pool[*bits % N];
  *bits /= N;
  return s;
}

void AppendLine(std::string* out, std::string_view who, std::string_view text) {
  if (!out->empty()) out->push_back('\n');
  out->append(who).append(": ");
  for (char c : text) out->push_back(c == '\n' || c == '\r' ? ' ' : c);
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAnswered: return "answered";
    case Outcome::kVoicemail: return "voicemail";
    case Outcome::kBusy: return "busy";
    case Outcome::kNoAnswer: return "no-answer";
    case Outcome::kFailed: return "failed";
  }
  return "failed";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (Outcome o : {Outcome::kAnswered, Outcome::kVoicemail, Outcome::kBusy, Outcome::kNoAnswer, Outcome::kFailed})
    if (OutcomeName(o) == name) return o;
  return std::nullopt;
}

uint64_t HashKey(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return SplitMix(h);
}

Rng::Rng(uint64_t seed, uint64_t key_hash) : state_(SplitMix(seed) ^ key_hash) {}

uint64_t Rng::Next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Uniform(double lo, double hi) { return Lerp(lo, hi, Uniform01()); }

Plan MakePlan(const SimulatorConfig& c, std::string_view key) {
  Draws d = DrawAll(c.seed, key);
  Plan p = Cosmetic(c.seed, c.speed, d);
  // Rates are normalised by their sum; the last non-zero bucket takes the rest.
  double sum = c.answer_rate + c.busy_rate + c.no_answer_rate + c.voicemail_rate + c.failure_rate;
  double u = d.outcome * (sum > 0 ? sum : 1);
  struct Bucket {
    double rate;
    Outcome outcome;
  };
  const Bucket buckets[] = {{c.answer_rate, Outcome::kAnswered},
                            {c.busy_rate, Outcome::kBusy},
                            {c.no_answer_rate, Outcome::kNoAnswer},
                            {c.voicemail_rate, Outcome::kVoicemail},
                            {c.failure_rate, Outcome::kFailed}};
  p.outcome = Outcome::kFailed;
  double acc = 0;
  for (const Bucket& b : buckets) {
    if (b.rate <= 0) continue;
    p.outcome = b.outcome;
    acc += b.rate;
    if (u < acc) break;
  }
  switch (p.outcome) {
    case Outcome::kAnswered:
      p.ring_s = Round1(Lerp(c.ring_min_seconds, c.ring_max_seconds, d.ring));
      p.talk_s = Round1(Lerp(c.talk_min_seconds, c.talk_max_seconds, d.talk));
      break;
    case Outcome::kVoicemail:
      p.ring_s = Round1(Lerp(c.ring_min_seconds, c.ring_max_seconds, d.ring));
      p.talk_s = Round1(Lerp(kVoicemailTalkMinSeconds, kVoicemailTalkMaxSeconds, d.voicemail_talk));
      break;
    case Outcome::kBusy:
      p.ring_s = Round1(Lerp(kBusyRingMinSeconds, kBusyRingMaxSeconds, d.busy_ring));
      break;
    case Outcome::kNoAnswer:
      p.ring_s = Round1(std::max(c.ring_max_seconds, kNoAnswerMinRingSeconds));
      break;
    case Outcome::kFailed:
      break;
  }
  SetSteps(&p);
  return p;
}

Plan RestorePlan(uint64_t seed, double speed, std::string_view key, Outcome outcome, double ring_s,
                 double talk_s) {
  Plan p = Cosmetic(seed, speed, DrawAll(seed, key));
  p.outcome = outcome;
  p.ring_s = ring_s;
  p.talk_s = talk_s;
  SetSteps(&p);
  return p;
}

int64_t ScaledMs(int64_t sim_ms, double speed) {
  return std::llround(static_cast<double>(sim_ms) / speed);
}

void FillOutcome(const Plan& p, std::string_view welcome, CallEvent* e) {
  e->ring_seconds = p.ring_s;
  switch (p.outcome) {
    case Outcome::kAnswered: {
      e->duration_seconds = p.talk_s;
      e->cost = std::ceil(p.talk_s / 60) * kMilliUsdPerStartedMinute / 1000;
      e->hangup_by = p.user_hung_up ? "user" : "agent";
      e->hangup_reason = p.user_hung_up ? "user hung up" : "agent ended the call";
      uint64_t bits = p.transcript_bits;
      std::string t;
      AppendLine(&t, "agent", welcome);
      AppendLine(&t, "user", Pick(kUserOpeners, &bits));
      AppendLine(&t, "agent", Pick(kAgentMiddles, &bits));
      AppendLine(&t, "user", Pick(kUserReplies, &bits));
      if (p.user_hung_up) {
        AppendLine(&t, "user", Pick(kUserClosings, &bits));
      } else {
        AppendLine(&t, "agent", Pick(kAgentClosings, &bits));
      }
      e->transcript = std::move(t);
      e->summary = "Simulated call: the contact answered after " + Seconds(p.ring_s) + " s and talked for " +
                   Seconds(p.talk_s) + " s; the " + e->hangup_by + " ended the call.";
      break;
    }
    case Outcome::kVoicemail: {
      e->duration_seconds = p.talk_s;
      e->cost = std::ceil(p.talk_s / 60) * kMilliUsdPerStartedMinute / 1000;
      e->answered_by_voice_mail = true;
      e->hangup_by = "agent";
      e->hangup_reason = "voicemail message left";
      std::string t;
      AppendLine(&t, "agent", welcome);
      e->transcript = std::move(t);
      e->summary = "Simulated call: reached voicemail after " + Seconds(p.ring_s) +
                   " s; the welcome message was left as a voicemail.";
      break;
    }
    case Outcome::kBusy:
      e->hangup_by = "provider";
      e->hangup_reason = "busy";
      e->summary = "Simulated call: the line was busy.";
      break;
    case Outcome::kNoAnswer:
      e->hangup_by = "provider";
      e->hangup_reason = "no answer";
      e->summary = "Simulated call: nobody answered within " + Seconds(p.ring_s) + " s.";
      break;
    case Outcome::kFailed:
      e->hangup_by = "provider";
      e->hangup_reason = "simulated network failure";
      e->error_message = "simulated network failure";
      e->summary = "Simulated call: the call failed before ringing.";
      break;
  }
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: copy it when well formed, else one U+FFFD per bad byte.
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && len >= 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xe0 && c1 < 0xa0) ok = false;   // overlong
      if (c == 0xed && c1 >= 0xa0) ok = false;  // surrogate
      if (c == 0xf0 && c1 < 0x90) ok = false;   // overlong
      if (c == 0xf4 && c1 >= 0x90) ok = false;  // > U+10FFFF
    }
    if (ok) {
      out->append(s.substr(i, len));
      i += len;
    } else {
      out->append("\xef\xbf\xbd");
      ++i;
    }
  }
  out->push_back('"');
}

}  // namespace batchcall::sim
