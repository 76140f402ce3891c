// 16-bit UUIDs of the Bluetooth SIG services and characteristics Kotona's BLE drivers use
// (Bluetooth SIG Assigned Numbers, §3.4 services, §3.8 characteristics). Constants; thread-safe.
#pragma once

#include <cstdint>

namespace kotona::drivers::gatt::uuid {

// Services.
inline constexpr std::uint16_t kCurrentTimeService = 0x1805;
inline constexpr std::uint16_t kGlucoseService = 0x1808;
inline constexpr std::uint16_t kHealthThermometerService = 0x1809;
inline constexpr std::uint16_t kDeviceInformationService = 0x180A;
inline constexpr std::uint16_t kBloodPressureService = 0x1810;
inline constexpr std::uint16_t kWeightScaleService = 0x181D;
inline constexpr std::uint16_t kPulseOximeterService = 0x1822;

// Device Information (DIS 1.1 §3).
inline constexpr std::uint16_t kModelNumber = 0x2A24;
inline constexpr std::uint16_t kSerialNumber = 0x2A25;
inline constexpr std::uint16_t kFirmwareRevision = 0x2A26;
inline constexpr std::uint16_t kManufacturerName = 0x2A29;
// Current Time (CTS 1.1 §3.1).
inline constexpr std::uint16_t kCurrentTime = 0x2A2B;
// Health profiles.
inline constexpr std::uint16_t kGlucoseMeasurement = 0x2A18;
inline constexpr std::uint16_t kTemperatureMeasurement = 0x2A1C;
inline constexpr std::uint16_t kIntermediateTemperature = 0x2A1E;
inline constexpr std::uint16_t kGlucoseMeasurementContext = 0x2A34;
inline constexpr std::uint16_t kBloodPressureMeasurement = 0x2A35;
inline constexpr std::uint16_t kIntermediateCuffPressure = 0x2A36;
inline constexpr std::uint16_t kRecordAccessControlPoint = 0x2A52;
inline constexpr std::uint16_t kPlxSpotCheckMeasurement = 0x2A5E;
inline constexpr std::uint16_t kPlxContinuousMeasurement = 0x2A5F;
inline constexpr std::uint16_t kWeightMeasurement = 0x2A9D;

}  // namespace kotona::drivers::gatt::uuid
