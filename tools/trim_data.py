"""Trim the real market data the project needs into `indexvault/data/`.

    python tools/trim_data.py ../shared/data

A maintainer's tool, run once when the data is refreshed; nothing in the
project reads the source folder at run time. It writes:

- `monthly_top.csv`: CoinMarketCap's top-200 snapshot of the 1st of every
  month 2020-01..2025-10, re-ranked by market cap (CMC's own rank is not
  always monotone), the first row kept where a symbol repeats within a
  snapshot, cut to the top 60, plus the DeFi governance tokens (`DEFI`) at
  whatever rank they hold in the top 200 (the DeFi index's universe,
  `examples/defi2021.yaml`, reaches below the top 60);
- `daily_closes.csv`: one USD close per (day, symbol) from 2020-01-01, for
  every symbol of `monthly_top.csv` that has daily data, taking
  each day from the first vendor that has it: Yahoo Finance, then Coinbase
  Exchange, then CoinGecko (19-coin set, then 46-coin set). The vendor is
  kept in a column.

Sources and licences: `indexvault/data/README.md`.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

START = "2020-01-01"
TOP = 60
# The DeFi Pulse index's constituents of 2021 that the shared daily data covers (CoinGecko's 46-coin
# set; its legacy KNC, MTA, CREAM, FARM and BADGER are not there): kept below the top 60.
DEFI = frozenset({"AAVE", "BAL", "COMP", "CRV", "LRC", "MKR", "REN", "SNX", "SUSHI", "UNI", "YFI"})
OUT = Path(__file__).resolve().parents[1] / "indexvault" / "data"


def _monthly(src: Path) -> list[dict]:
    rows = list(csv.DictReader(open(src / "cmc_monthly_top200" / "coinmarketcap_monthly_all_snapshots.csv")))
    by_date: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_date[row["snapshot_date"]].append(row)
    out = []
    for raw_date in sorted(by_date):
        date = f"{raw_date[:4]}-{raw_date[4:6]}-{raw_date[6:]}"
        seen = set()
        ranked = sorted(by_date[raw_date], key=lambda r: -float(r["Market Cap"] or 0))
        for row in ranked:
            if row["Symbol"] in seen or not float(row["Market Cap"] or 0):
                continue
            seen.add(row["Symbol"])
            if len(seen) > TOP and row["Symbol"] not in DEFI:
                continue
            out.append(
                {
                    "date": date,
                    "rank": len(seen),
                    "symbol": row["Symbol"],
                    "name": row["Name"],
                    "market_cap": f"{float(row['Market Cap']):.0f}",
                    "price": row["Price"],
                    "volume_24h": f"{float(row['Volume (24h)'] or 0):.0f}",
                }
            )
    return out


def _daily(src: Path, symbols: set[str]) -> list[dict]:
    closes: dict[tuple[str, str], tuple[str, str]] = {}

    def offer(day: str, symbol: str, close: str, vendor: str) -> None:
        if day >= START and symbol in symbols and close and float(close) > 0:
            closes.setdefault((day, symbol), (close, vendor))

    for path in sorted((src / "daily_yahoo_14coins").glob("*-USD_1d.csv")):
        symbol = path.name.split("-")[0]
        for row in csv.DictReader(open(path)):
            offer(row["Date"], symbol, row["Close"], "yahoo")
    coinbase = src / "daily_coinbase_top200_2020_2025" / "coinbase_top200_daily_20200101_20251025.csv"
    for row in csv.DictReader(open(coinbase)):
        if row["symbol"].endswith("/USD"):
            offer(row["date"], row["base"], row["close"], "coinbase")
    for folder in ("daily_coingecko_19coins_2013_2022", "daily_coingecko_46coins_2013_2021"):
        for path in sorted((src / folder).glob("*-usd-max.csv")):
            symbol = path.name.split("-")[0].upper()
            for row in csv.DictReader(open(path)):
                offer(row["snapped_at"][:10], symbol, row["price"], "coingecko")
    return [
        {"date": day, "symbol": symbol, "close": f"{float(close):.10g}", "vendor": vendor}
        for (day, symbol), (close, vendor) in sorted(closes.items())
    ]


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def main(src: Path) -> None:
    monthly = _monthly(src)
    _write(OUT / "monthly_top.csv", monthly)
    _write(OUT / "daily_closes.csv", _daily(src, {row["symbol"] for row in monthly}))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
