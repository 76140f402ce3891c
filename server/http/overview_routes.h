// The patient overview's facts that are not readings or alerts (issue 18 part 4), a row of
// route_table.cpp: the targets the patient's rules judge by (the page's target lines, INR range
// for the time in therapeutic range), and per device of the patient its hub's state as the
// last heartbeat told it. Read-only; runs on the io thread; not thread-safe.
#pragma once

#include "server/http/route_table.h"

namespace kotona::server::http {

// GET /api/v1/patients/{id}/overview -> 200 {patient_id, targets: {inr_low, inr_high,
// bp_systolic_high, bp_diastolic_high, bp_systolic_low, glucose_low, glucose_high,
// glucose_hyper, spo2_low, lead_impedance_low, lead_impedance_high, af_burden_percent},
// hub_silent_after_s, devices: [{gateway_id, device_serial, enrolled_from, enrolled_to,
// last_received, hub_online, hub_last_heard, hub_outbox_depth, hub_oldest_unacked, state,
// device_last_seen}]} (the patient's enrolments, newest first; hub clock times from the
// heartbeat, null where never heard). Any signed-in role of the patient's team (another team:
// 404, as a patient that does not exist); 400 bad id; 500 store error.
Routed show_patient_overview(const Call& call);

}  // namespace kotona::server::http
