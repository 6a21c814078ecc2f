"""P1 telegrams as smart meters write them, for ``GET /api/v1/telegram``.

Written from the P1 companion standards (DSMR 2.2, DSMR 4.2, SMR 5.0, the Belgian e-MUCS and
the Luxembourg Smarty P1 specification), independently of the driver and of dsmr_parser:

- a telegram is ``/XXXZ<identification>``, an empty line, one ``OBIS(value*unit)`` line per
  object, then ``!`` and (from DSMR 4 on) the CRC16 of everything from ``/`` to ``!`` as four
  upper-case hex digits; lines end in CR LF;
- the CRC is CRC-16/ARC: polynomial 0x8005 reflected (0xA001), initial value 0, no final XOR;
- timestamps are local time ``YYMMDDhhmmssX`` with X = S (summer) or W (winter);
- equipment identifiers are the ASCII id written as hex.

Each standard differs in which lines exist and how numbers are written (DSMR 2.2: power as
``0001.01*kW`` and a two-line gas reading, no CRC; DSMR 4: no voltages, hourly gas; SMR 5:
voltages, currents in whole amperes, 5-minute gas; e-MUCS: capacity tariff, gas on 24.2.3,
currents in 0.01 A; Luxembourg: totals 1.8.0/2.8.0 and the logical device name 42.0.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from .meter import MeterRecords


class TelegramSpec(StrEnum):
    """The standards the simulator writes (values match the driver's specification names)."""

    DSMR_2_2 = "dsmr_2_2"
    DSMR_4 = "dsmr_4"
    DSMR_5 = "dsmr_5"
    BELGIUM = "belgium"
    LUXEMBOURG = "luxembourg"


def crc16(data: bytes) -> int:
    """CRC-16/ARC (the P1 telegram CRC): reflected 0x8005, init 0, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def hex_id(text: str) -> str:
    """An equipment identifier as the meter writes it: its ASCII bytes in hex."""
    return text.encode("ascii").hex().upper()


def seal(lines: list[str], *, checksum: bool) -> str:
    """Join the lines with CR LF and close the telegram with ``!`` (and its CRC)."""
    body = "\r\n".join(lines) + "\r\n!"
    if not checksum:
        return body + "\r\n"
    return f"{body}{crc16(body.encode('ascii')):04X}\r\n"


class TelegramWriter:
    """Builds the telegram of one meter from the site's values and the meter's records."""

    def __init__(
        self,
        spec: TelegramSpec | str,
        *,
        meter_id: str = "E0044007131650618",
        gas_id: str = "G0039001652050216",
    ) -> None:
        """Write telegrams of ``spec`` for a meter (and gas meter) with these identifiers."""
        self.spec = TelegramSpec(spec)
        self.meter_id = meter_id
        self.gas_id = gas_id

    def stamp(self, meter: MeterRecords, epoch: int | None = None) -> str:
        """A P1 timestamp ``YYMMDDhhmmssX`` in local time."""
        local = meter.local_time(epoch)
        return local.strftime("%y%m%d%H%M%S") + ("S" if local.dst() else "W")

    def write(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        """The telegram for the current second.

        ``values`` are the site's values by register key in SI units (W, V, A, counts).
        """
        writer = {
            TelegramSpec.DSMR_2_2: self._dsmr22,
            TelegramSpec.DSMR_4: self._dsmr4,
            TelegramSpec.DSMR_5: self._dsmr5,
            TelegramSpec.BELGIUM: self._belgium,
            TelegramSpec.LUXEMBOURG: self._luxembourg,
        }[self.spec]
        return writer(values, meter)

    # -- shared line groups ----------------------------------------------------------------------

    @staticmethod
    def _kwh(wh: float) -> str:
        return f"{wh / 1000:010.3f}*kWh"

    @staticmethod
    def _kw(w: float) -> str:
        return f"{max(w, 0.0) / 1000:06.3f}*kW"

    def _tariffs(self, meter: MeterRecords) -> list[str]:
        return [
            f"1-0:1.8.1({self._kwh(meter.energy_import[0])})",
            f"1-0:1.8.2({self._kwh(meter.energy_import[1])})",
            f"1-0:2.8.1({self._kwh(meter.energy_export[0])})",
            f"1-0:2.8.2({self._kwh(meter.energy_export[1])})",
            f"0-0:96.14.0({meter.active_tariff:04d})",
        ]

    def _power(self, values: Mapping[str, float]) -> list[str]:
        total = values["active_power"]
        return [f"1-0:1.7.0({self._kw(total)})", f"1-0:2.7.0({self._kw(-total)})"]

    def _failures(self, values: Mapping[str, float], meter: MeterRecords) -> list[str]:
        return [
            f"0-0:96.7.21({round(values['voltage_interruptions']):05d})",
            f"0-0:96.7.9({round(values['long_voltage_interruptions']):05d})",
            f"1-0:99.97.0(1)(0-0:96.7.19)({self.stamp(meter, meter.failure_end_epoch)})"
            f"({meter.failure_seconds:010d}*s)",
        ]

    @staticmethod
    def _sags_swells(values: Mapping[str, float]) -> list[str]:
        lines = []
        for n, code in ((1, 32), (2, 52), (3, 72)):
            lines.append(f"1-0:{code}.32.0({round(values[f'voltage_dips_l{n}']):05d})")
        for n, code in ((1, 32), (2, 52), (3, 72)):
            lines.append(f"1-0:{code}.36.0({round(values[f'voltage_swells_l{n}']):05d})")
        return lines

    @staticmethod
    def _voltages(values: Mapping[str, float]) -> list[str]:
        return [
            f"1-0:{code}.7.0({values[f'voltage_l{n}']:05.1f}*V)"
            for n, code in ((1, 32), (2, 52), (3, 72))
        ]

    @staticmethod
    def _currents(values: Mapping[str, float], *, decimals: int) -> list[str]:
        lines = []
        for n, code in ((1, 31), (2, 51), (3, 71)):
            amps = abs(values[f"current_l{n}"])
            text = f"{round(amps):03d}" if decimals == 0 else f"{amps:0{4 + decimals}.{decimals}f}"
            lines.append(f"1-0:{code}.7.0({text}*A)")
        return lines

    def _phase_powers(self, values: Mapping[str, float]) -> list[str]:
        lines = [
            f"1-0:{code}.7.0({self._kw(values[f'active_power_l{n}'])})"
            for n, code in ((1, 21), (2, 41), (3, 61))
        ]
        lines += [
            f"1-0:{code}.7.0({self._kw(-values[f'active_power_l{n}'])})"
            for n, code in ((1, 22), (2, 42), (3, 62))
        ]
        return lines

    def _gas(self, meter: MeterRecords, *, hourly: bool, obis: str = "24.2.1") -> list[str]:
        reading = meter.gas_hour if hourly else meter.gas_5min
        return [
            "0-1:24.1.0(003)",
            f"0-1:96.1.0({hex_id(self.gas_id)})",
            f"0-1:{obis}({self.stamp(meter, reading.epoch)})({reading.m3:09.3f}*m3)",
        ]

    # -- the standards ---------------------------------------------------------------------------

    def _dsmr5(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        lines = [
            "/ISK5\\2M550T-1013",
            "",
            "1-3:0.2.8(50)",
            f"0-0:1.0.0({self.stamp(meter)})",
            f"0-0:96.1.1({hex_id(self.meter_id)})",
            *self._tariffs(meter),
            *self._power(values),
            *self._failures(values, meter),
            *self._sags_swells(values),
            "0-0:96.13.0()",
            *self._voltages(values),
            *self._currents(values, decimals=0),
            *self._phase_powers(values),
            *self._gas(meter, hourly=False),
        ]
        return seal(lines, checksum=True)

    def _dsmr4(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        lines = [
            "/KFM5KAIFA-METER",
            "",
            "1-3:0.2.8(42)",
            f"0-0:1.0.0({self.stamp(meter)})",
            f"0-0:96.1.1({hex_id(self.meter_id)})",
            *self._tariffs(meter),
            *self._power(values),
            *self._failures(values, meter),
            *self._sags_swells(values),
            "0-0:96.13.1()",
            "0-0:96.13.0()",
            *self._currents(values, decimals=0),
            *self._phase_powers(values),
            *self._gas(meter, hourly=True),
        ]
        return seal(lines, checksum=True)

    def _dsmr22(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        total = values["active_power"]
        reading = meter.gas_hour
        lines = [
            "/ISk5\\2MT382-1004",
            "",
            f"0-0:96.1.1({hex_id(self.meter_id)})",
            *self._tariffs(meter)[:4],
            f"0-0:96.14.0({meter.active_tariff:04d})",
            f"1-0:1.7.0({max(total, 0.0) / 1000:07.2f}*kW)",
            f"1-0:2.7.0({max(-total, 0.0) / 1000:07.2f}*kW)",
            "0-0:17.0.0(0999.00*kW)",
            "0-0:96.3.10(1)",
            "0-0:96.13.1()",
            "0-0:96.13.0()",
            "0-1:24.1.0(3)",
            f"0-1:96.1.0({hex_id(self.gas_id)})",
            f"0-1:24.3.0({self.stamp(meter, reading.epoch)[:12]})(08)(60)(1)(0-1:24.2.1)(m3)",
            f"({reading.m3:09.3f})",
            "0-1:24.4.0(1)",
        ]
        return seal(lines, checksum=False)

    def _belgium(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        month = meter.local_time().replace(day=1, hour=0, minute=0, second=0)
        lines = [
            "/FLU5\\253769484_A",
            "",
            "0-0:96.1.4(50217)",
            f"0-0:96.1.1({hex_id(self.meter_id)})",
            f"0-0:1.0.0({self.stamp(meter)})",
            *self._tariffs(meter),
            f"1-0:1.4.0({meter.average_demand_kw:06.3f}*kW)",
            f"1-0:1.6.0({self.stamp(meter, meter.peak_demand_epoch)})"
            f"({meter.peak_demand_kw:06.3f}*kW)",
            "0-0:98.1.0(1)(1-0:1.6.0)(1-0:1.6.0)"
            f"({self.stamp(meter, int(month.timestamp()))})"
            f"({self.stamp(meter, meter.peak_demand_epoch)})({meter.peak_demand_kw:06.3f}*kW)",
            *self._power(values),
            *self._phase_powers(values),
            *self._voltages(values),
            *self._currents(values, decimals=2),
            "0-0:96.3.10(1)",
            "0-0:17.0.0(999.9*kW)",
            "1-0:31.4.0(999*A)",
            "0-0:96.13.0()",
            "0-1:24.1.0(003)",
            f"0-1:96.1.1({hex_id(self.gas_id)})",
            "0-1:24.4.0(1)",
            f"0-1:24.2.3({self.stamp(meter, meter.gas_5min.epoch)})({meter.gas_5min.m3:09.3f}*m3)",
        ]
        return seal(lines, checksum=True)

    def _luxembourg(self, values: Mapping[str, float], meter: MeterRecords) -> str:
        lines = [
            "/Lux5\\u253833655_D",
            "",
            "1-3:0.2.8(42)",
            f"0-0:1.0.0({self.stamp(meter)})",
            f"0-0:42.0.0({hex_id(self.meter_id)})",
            f"1-0:1.8.0({self._kwh(sum(meter.energy_import))})",
            f"1-0:2.8.0({self._kwh(sum(meter.energy_export))})",
            "1-0:3.8.0(000000.000*kvarh)",
            "1-0:4.8.0(000000.000*kvarh)",
            *self._power(values),
            "0-0:17.0.0(03.0*kVA)",
            "0-0:96.3.10(1)",
            *self._failures(values, meter),
            *self._sags_swells(values),
            "0-0:96.13.0()",
            *self._voltages(values),
            *self._currents(values, decimals=0),
            *self._phase_powers(values),
        ]
        return seal(lines, checksum=True)
