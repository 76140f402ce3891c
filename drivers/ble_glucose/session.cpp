#include "drivers/ble_glucose/session.h"

#include <string>

#include "core/text.h"
#include "drivers/gatt/racp.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::ble_glucose {

namespace gu = gatt::uuid;
namespace racp = gatt::racp;
using racp::ResponseCode;

namespace {

Error racp_error(Errc code, const std::string& detail) {
  return Error{code, 0, "RACP: " + detail};
}

std::string code_text(std::uint8_t code) {
  return std::string(racp::to_string(static_cast<ResponseCode>(code))) + " (0x" +
         "0123456789ABCDEF"[code >> 4] + "0123456789ABCDEF"[code & 15] + ")";
}

bool is_refusal(std::uint8_t code) {  // the device cannot do this request as asked
  switch (static_cast<ResponseCode>(code)) {
    case ResponseCode::kOpCodeNotSupported:
    case ResponseCode::kInvalidOperator:
    case ResponseCode::kOperatorNotSupported:
    case ResponseCode::kInvalidOperand:
    case ResponseCode::kOperandNotSupported: return true;
    default: return false;
  }
}

}  // namespace

std::string record_id(const Measurement& m) {
  std::string id = std::to_string(m.sequence);
  if (m.base_time) id += "-" + std::to_string(m.base_time->time_since_epoch().count());
  return id;
}

std::string cursor_fingerprint(std::span<const std::uint8_t> measurement) {
  return to_hex(measurement);
}

Session::Session(const SessionContext& context) : HealthSession("ble_glucose", context) {}

void Session::on_ready(HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  if (context().cursor && context().cursor->serial == serial()) {
    cursor_ = context().cursor->sequence;
    cursor_fingerprint_ = context().cursor->fingerprint;
#ifdef KOTONA_BROKEN_BLE_NO_RESET_CHECK
    // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=ble_no_reset_check): the record at the
    // cursor is never checked, so a meter whose counter restarted loses records 1..N.
    cursor_fingerprint_.clear();
#endif
  } else if (context().cursor) {
    step.rejected.push_back(racp_error(Errc::kConfig, "stored cursor is of device " +
                                                          context().cursor->serial.value +
                                                          ", not " + serial().value +
                                                          ": fetching all records"));
  }
  step.commands.emplace_back(GattSubscribe{gu::kGlucoseMeasurement});
  step.commands.emplace_back(GattSubscribe{gu::kGlucoseMeasurementContext});
  step.commands.emplace_back(GattSubscribe{gu::kRecordAccessControlPoint});
  if (cursor_ && !cursor_fingerprint_.empty()) {
    request(Phase::kCheckingCursor, racp::report_one(*cursor_), step);
  } else if (cursor_) {
    request(Phase::kCheckingLast, racp::report_last(), step);
  } else {
    report_all_ = true;
    request(Phase::kCounting, racp::count_all(), step);
  }
}

void Session::request(Phase phase, std::vector<std::uint8_t> bytes, Step& step) {
  phase_ = phase;
  step.commands.emplace_back(GattWrite{gu::kRecordAccessControlPoint, std::move(bytes)});
  step.timer = kRacpTimeout;
}

void Session::on_value(const GattValue& value, HubTime hub_time, Step& step) {
  last_hub_time_ = hub_time;
  if (phase_ != Phase::kIdle && phase_ != Phase::kDone) step.timer = kRacpTimeout;
  switch (value.characteristic_uuid16) {
    case gu::kGlucoseMeasurement: on_measurement(value, hub_time, step); break;
    case gu::kGlucoseMeasurementContext: on_context(value, step); break;
    case gu::kRecordAccessControlPoint: on_racp(value, step); break;
    default:
      step.rejected.push_back(Error{Errc::kUnsupported, 0,
                                    "ble_glucose: unexpected characteristic " +
                                        std::to_string(value.characteristic_uuid16)});
  }
}

void Session::on_measurement(const GattValue& value, HubTime hub_time, Step& step) {
  emit_pending(step);  // its context did not come before the next record
  const auto seq = measurement_sequence(value.bytes);
  const std::string fingerprint = cursor_fingerprint(value.bytes);
  if (phase_ == Phase::kCheckingCursor) {  // the answer to 01 04 01 N N: the record at N now
    if (seq && seq == cursor_) checked_fingerprint_ = fingerprint;
    return;
  }
  if (phase_ == Phase::kCheckingLast) {  // the answer to 01 06: where the device stands
    if (seq) last_ = *seq;
    last_fingerprint_ = fingerprint;
    return;
  }
  auto m = parse_measurement(value.bytes);
  if (!m) {
    step.refused_records.push_back(m.error());
    step.rejected.push_back(m.error());
    // Asking again would bring the same bytes: the record counts as transferred.
    if (seq) advance_cursor(*seq, fingerprint, step);
    ++received_;
    return;
  }
  ++received_;
  if (!m->mmol_per_l) {  // a record without a concentration: nothing to deliver
    advance_cursor(m->sequence, fingerprint, step);
    return;
  }
  Reading r = make_reading(Glucose{*m->mmol_per_l, MealMarker::kUnknown, m->comparator}, hub_time);
  r.record_id = record_id(*m);
  r.device_time = m->time;
  r.quality = m->quality;
  if (m->context_follows) {
    pending_ = std::move(r);
    pending_sequence_ = m->sequence;
    pending_fingerprint_ = fingerprint;
    return;
  }
  step.readings.push_back(std::move(r));
  advance_cursor(m->sequence, fingerprint, step);
}

void Session::on_context(const GattValue& value, Step& step) {
  auto c = parse_context(value.bytes);
  if (phase_ == Phase::kCheckingLast || phase_ == Phase::kCheckingCursor) return;
  if (!c) {
    step.rejected.push_back(c.error());
    emit_pending(step);
    return;
  }
  if (!pending_ || c->sequence != pending_sequence_) {
    step.rejected.push_back(Error{Errc::kMalformed, 1,
                                  "context of record " + std::to_string(c->sequence) +
                                      " does not follow its measurement"});
    emit_pending(step);
    return;
  }
  std::get<Glucose>(pending_->measurement).meal = c->meal;
  emit_pending(step);
}

void Session::emit_pending(Step& step) {
  if (!pending_) return;
  step.readings.push_back(std::move(*pending_));
  pending_.reset();
  advance_cursor(pending_sequence_, pending_fingerprint_, step);
}

void Session::advance_cursor(std::uint16_t sequence, const std::string& fingerprint, Step& step) {
  // Records at or below the cursor (a device ignoring the filter, the old numbering after a
  // wrap) are delivered again (the server keeps one per reading_uid) but never move it back.
  if (cursor_ && sequence <= *cursor_) return;
  // Only records this session asked for move it: a record outside its report (the tail of a
  // transfer an earlier, crashed hub process started) may follow a gap the hub never saw.
  if (phase_ != Phase::kReporting && phase_ != Phase::kAborting) return;
  cursor_ = sequence;
  step.cursor = RecordCursor{serial(), sequence, fingerprint};
}

void Session::on_racp(const GattValue& value, Step& step) {
  auto indication = racp::parse_indication(value.bytes);
  if (!indication) {
    step.rejected.push_back(indication.error());
    return;
  }
  if (const auto* n = std::get_if<racp::NumberOfRecords>(&*indication)) {
    if (phase_ == Phase::kCounting) {
      expected_ = n->count;
      start_report(step);
    } else {
      step.rejected.push_back(racp_error(Errc::kMalformed, "unexpected number of records"));
    }
    return;
  }
  const auto& r = std::get<racp::Response>(*indication);
  on_response(r.request_op_code, static_cast<std::uint8_t>(r.code), step);
}

void Session::on_response(std::uint8_t op, std::uint8_t code, Step& step) {
  emit_pending(step);
  const bool known = code >= 0x01 && code <= 0x09;
  if (!known) {
    step.rejected.push_back(racp_error(Errc::kMalformed, "unknown response code " +
                                                            std::to_string(code)));
  }
  switch (phase_) {
    case Phase::kCheckingCursor:
      if (op == racp::kReportStoredRecords) return after_cursor_record(code, step);
      break;
    case Phase::kCheckingLast:
      if (op == racp::kReportStoredRecords) return after_last_record(code, step);
      break;
    case Phase::kCounting:
      if (op == racp::kReportNumberOfRecords) {  // the count was refused: report anyway
        step.rejected.push_back(racp_error(Errc::kUnsupported, "number of records: " +
                                                                   code_text(code)));
        return start_report(step);
      }
      break;
    case Phase::kReporting:
      if (op == racp::kReportStoredRecords) return after_report(code, step);
      break;
    case Phase::kAborting:
      if (op == racp::kAbortOperation) {
        if (code != static_cast<std::uint8_t>(ResponseCode::kSuccess)) {
          step.rejected.push_back(racp_error(Errc::kIo, "abort: " + code_text(code)));
        }
        return finish(step);
      }
      break;
    case Phase::kIdle:
    case Phase::kDone: break;
  }
  step.rejected.push_back(racp_error(Errc::kMalformed, "unexpected response to op code " +
                                                           std::to_string(op) + ": " +
                                                           code_text(code)));
}

void Session::after_cursor_record(std::uint8_t code, Step& step) {
  const auto rc = static_cast<ResponseCode>(code);
  const bool gone = rc == ResponseCode::kNoRecordsFound;
  const bool changed = rc == ResponseCode::kSuccess && !checked_fingerprint_.empty() &&
                       checked_fingerprint_ != cursor_fingerprint_;
  if (!gone && !changed) {
    // The same record, or the device cannot say (filter refused, no record sent): the last
    // record still tells a wrap or a reset to fewer records than before.
    if (rc != ResponseCode::kSuccess || checked_fingerprint_.empty()) {
      step.rejected.push_back(
          racp_error(Errc::kUnsupported,
                     "record at the cursor: " + code_text(code) + ": checking the last record"));
    }
    return request(Phase::kCheckingLast, racp::report_last(), step);
  }
  // The meter numbers from 1 again (battery change, factory reset): its records up to the
  // cursor are new ones. Asking for those above it would lose them (issue 13).
  step.rejected.push_back(
      racp_error(Errc::kOutOfRange, "record " + std::to_string(*cursor_) +
                                        (gone ? " is gone" : " is another record now") +
                                        " (the record counter restarted): fetching all records"));
  cursor_.reset();
  report_all_ = true;
  request(Phase::kCounting, racp::count_all(), step);
}

void Session::after_last_record(std::uint8_t code, Step& step) {
  if (code == static_cast<std::uint8_t>(ResponseCode::kNoRecordsFound)) return finish(step);
  if (code != static_cast<std::uint8_t>(ResponseCode::kSuccess) || !last_) {
    // "Last record" refused or answered without a record: report from the cursor.
    last_.reset();
  } else if (*last_ == *cursor_) {
    return finish(step);  // nothing new
  } else if (*last_ < *cursor_) {
    step.rejected.push_back(racp_error(
        Errc::kOutOfRange, "last record " + std::to_string(*last_) + " is below the cursor " +
                               std::to_string(*cursor_) + " (numbering wrapped or reset): " +
                               "fetching all records"));
    report_all_ = true;
  }
  if (!report_all_ && *cursor_ == 0xFFFF) report_all_ = true;  // N+1 wraps to 0
  const auto from = static_cast<std::uint16_t>(*cursor_ + 1);
  request(Phase::kCounting, report_all_ ? racp::count_all() : racp::count_from(from), step);
}

void Session::start_report(Step& step) {
  received_ = 0;
  const auto from = static_cast<std::uint16_t>(cursor_.value_or(0) + 1);
  request(Phase::kReporting, report_all_ ? racp::report_all() : racp::report_from(from), step);
}

void Session::after_report(std::uint8_t code, Step& step) {
  const auto rc = static_cast<ResponseCode>(code);
  if (rc == ResponseCode::kSuccess || rc == ResponseCode::kNoRecordsFound) {
    if (expected_ && received_ != *expected_) {
      step.rejected.push_back(racp_error(
          Errc::kIo, "device announced " + std::to_string(*expected_) + " records, sent " +
                         std::to_string(received_)));
    }
    if (report_all_ && last_ && cursor_ && *cursor_ != *last_) {
      // After a wrap or reset every record is in: the device's last one is the new cursor.
      cursor_ = *last_;
      step.cursor = RecordCursor{serial(), *last_, last_fingerprint_};
    }
    return finish(step);
  }
  if (is_refusal(code) && !report_all_ && !fell_back_) {
    // The filter is refused: all records (those already sent come again, same reading_uid).
    step.rejected.push_back(racp_error(Errc::kUnsupported, "report from sequence: " +
                                                               code_text(code) +
                                                               ": fetching all records"));
    fell_back_ = true;
    report_all_ = true;
    expected_.reset();
    return start_report(step);
  }
  step.rejected.push_back(racp_error(Errc::kIo, "report stored records: " + code_text(code)));
  finish(step);
}

void Session::finish(Step& step) {
  emit_pending(step);
  phase_ = Phase::kDone;
  step.timer.reset();
  set_clock_if_wrong(last_hub_time_, step);
}

void Session::on_failed(const GattFailed& failed, HubTime hub_time, Step& step) {
  if (failed.characteristic_uuid16 == gu::kGlucoseMeasurementContext) return;  // optional
  HealthSession::on_failed(failed, hub_time, step);
  if (failed.characteristic_uuid16 == gu::kRecordAccessControlPoint ||
      failed.characteristic_uuid16 == gu::kGlucoseMeasurement) {
    // Without RACP or the measurement there is no transfer; the cursor stays where it is.
    emit_pending(step);
    phase_ = Phase::kDone;
    step.timer.reset();
  }
}

void Session::on_profile_timer(Step& step) {
  if (phase_ == Phase::kAborting || phase_ == Phase::kCheckingCursor ||
      phase_ == Phase::kCheckingLast || phase_ == Phase::kCounting) {
    step.rejected.push_back(racp_error(Errc::kIo, "no response in 30 s"));
    return finish(step);
  }
  if (phase_ != Phase::kReporting) return;
  emit_pending(step);
  step.rejected.push_back(racp_error(Errc::kIo, "transfer stalled for 30 s: aborting"));
  request(Phase::kAborting, racp::abort_operation(), step);
}

void Session::on_disconnected(Step& /*step*/) {
  // A record waiting for its context is not committed, so the cursor is before it: the device
  // sends it again next time.
  pending_.reset();
  phase_ = Phase::kDone;
}

}  // namespace kotona::drivers::ble_glucose
