// Terminology for every reading component: IEEE 11073-10101 MDC code (numeric, partition 2
// unless noted) and reference id, LOINC code and UCUM unit. Constant tables; thread-safe.
// Used by both codecs (gateway uplink, server ingest) and by the FHIR export.
#pragma once

#include <cstdint>
#include <string_view>

namespace kotona::codes {

struct Code {
  std::uint32_t mdc;          // 0 when the term has no numeric code assigned here yet
  std::string_view mdc_ref;   // e.g. "MDC_PRESS_BLD_NONINV_SYS"
  std::string_view loinc;     // e.g. "8480-6"; empty when LOINC has no term
  std::string_view ucum;      // e.g. "mm[Hg]"
};

// Blood pressure (IEEE 11073-10407 / LOINC 85354-9 panel).
inline constexpr Code kBloodPressurePanel{150020, "MDC_PRESS_BLD_NONINV", "85354-9", ""};
inline constexpr Code kSystolic{150021, "MDC_PRESS_BLD_NONINV_SYS", "8480-6", "mm[Hg]"};
inline constexpr Code kDiastolic{150022, "MDC_PRESS_BLD_NONINV_DIA", "8462-4", "mm[Hg]"};
inline constexpr Code kMeanArterial{150023, "MDC_PRESS_BLD_NONINV_MEAN", "8478-0", "mm[Hg]"};
inline constexpr Code kPulseRate{149546, "MDC_PULS_RATE_NON_INV", "8867-4", "/min"};
// Glucose (IEEE 11073-10417): capillary whole blood, moles per volume.
inline constexpr Code kGlucose{160184, "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", "15074-8", "mmol/L"};
// INR (IEEE 11073-10418).
inline constexpr Code kInr{188492, "MDC_RATIO_INR_COAG", "34714-6", "{INR}"};
inline constexpr Code kProthrombinTime{188496, "MDC_TIME_PD_COAG", "5902-2", "s"};
// Weight (IEEE 11073-10415), SpO2 (10404), temperature (10408).
inline constexpr Code kBodyWeight{188736, "MDC_MASS_BODY_ACTUAL", "29463-7", "kg"};
inline constexpr Code kSpo2{150456, "MDC_PULS_OXIM_SAT_O2", "59408-5", "%"};
inline constexpr Code kBodyTemperature{150364, "MDC_TEMP_BODY", "8310-5", "Cel"};
// Cardiac implant summary (IEEE 11073-10103 IDC, partition 11). 0: numeric code not verified
// here yet (the reference id is still carried). Lead-channel terms are per chamber: the IDC
// discriminator adds 0 (RA), 1 (RV) or 3 (LV) to the term's code; the chamber-less constants
// below name the term for unit checks and carry no code.
inline constexpr Code kImplantBatteryStatus{721280, "MDC_IDC_MSMT_BATTERY_STATUS", "", ""};
inline constexpr Code kImplantBatteryVoltage{721344, "MDC_IDC_MSMT_BATTERY_VOLTAGE", "", "V"};
inline constexpr Code kImplantLongevity{721472, "MDC_IDC_MSMT_BATTERY_REMAINING_LONGEVITY", "",
                                        "mo"};
inline constexpr Code kLeadImpedance{0, "MDC_IDC_MSMT_LEADCHNL_IMPEDANCE_VALUE", "", "Ohm"};
inline constexpr Code kSensingAmplitude{0, "MDC_IDC_MSMT_LEADCHNL_SENSING_INTR_AMPL", "", "mV"};
inline constexpr Code kCaptureThreshold{0, "MDC_IDC_MSMT_LEADCHNL_PACING_THRESHOLD_AMPLITUDE",
                                        "", "V"};
inline constexpr Code kPacedPercent{0, "MDC_IDC_STAT_BRADY_PERCENT_PACED", "", "%"};
inline constexpr Code kAtAfBurden{0, "MDC_IDC_STAT_AT_BURDEN_PERCENT", "", "%"};
inline constexpr Code kShocksDelivered{737824, "MDC_IDC_STAT_TACHYTHERAPY_SHOCKS_DELIVERED_RECENT",
                                       "", ""};
inline constexpr Code kAtpDelivered{737888, "MDC_IDC_STAT_TACHYTHERAPY_ATP_DELIVERED_RECENT", "",
                                    ""};

// One lead-channel term for each implant chamber.
struct ChamberCodes {
  Code ra;
  Code rv;
  Code lv;
};
inline constexpr ChamberCodes kLeadImpedanceByChamber{
    {722432, "MDC_IDC_MSMT_LEADCHNL_RA_IMPEDANCE_VALUE", "", "Ohm"},
    {722433, "MDC_IDC_MSMT_LEADCHNL_RV_IMPEDANCE_VALUE", "", "Ohm"},
    {722435, "MDC_IDC_MSMT_LEADCHNL_LV_IMPEDANCE_VALUE", "", "Ohm"}};
// The MEAN statistic (4 codes per chamber: value, max, min, mean).
inline constexpr ChamberCodes kSensingAmplitudeByChamber{
    {722051, "MDC_IDC_MSMT_LEADCHNL_RA_SENSING_INTR_AMPL_MEAN", "", "mV"},
    {722055, "MDC_IDC_MSMT_LEADCHNL_RV_SENSING_INTR_AMPL_MEAN", "", "mV"},
    {722063, "MDC_IDC_MSMT_LEADCHNL_LV_SENSING_INTR_AMPL_MEAN", "", "mV"}};
inline constexpr ChamberCodes kCaptureThresholdByChamber{
    {722176, "MDC_IDC_MSMT_LEADCHNL_RA_PACING_THRESHOLD_AMPLITUDE", "", "V"},
    {722177, "MDC_IDC_MSMT_LEADCHNL_RV_PACING_THRESHOLD_AMPLITUDE", "", "V"},
    {722179, "MDC_IDC_MSMT_LEADCHNL_LV_PACING_THRESHOLD_AMPLITUDE", "", "V"}};
inline constexpr ChamberCodes kPacedPercentByChamber{
    {0, "MDC_IDC_STAT_BRADY_RA_PERCENT_PACED", "", "%"},
    {0, "MDC_IDC_STAT_BRADY_RV_PERCENT_PACED", "", "%"},
    {0, "MDC_IDC_STAT_BRADY_LV_PERCENT_PACED", "", "%"}};

}  // namespace kotona::codes
