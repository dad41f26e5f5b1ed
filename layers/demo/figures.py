"""Annual figures of the demo firms, calibrated so the district's 亩均税收 hits a target."""

from __future__ import annotations

import numpy as np


def firm_figures(rng: np.random.Generator, land_mu: np.ndarray, producing: np.ndarray, tax_per_mu: float
                 ) -> dict[str, np.ndarray]:
    """Annual figures (万元, tce, t, kWh, persons) of each firm, around the 黄岩 2022 benchmarks.

    Revenue grows less than land (big old plots are used loosely) and the tax rate falls with size;
    the revenue level is solved so that Σtax / Σland = `tax_per_mu`. 规上 = revenue ≥ 2000 万元.
    """
    n = len(land_mu)
    shape = np.where(producing, np.maximum(land_mu, 0.5) ** 0.8 * np.exp(1.1 * rng.standard_normal(n)), 0.0)
    rate_noise = np.exp(0.3 * rng.standard_normal(n))
    startup_tax = rng.uniform(0.0, 3.0, n)

    def taxes(level: float) -> tuple[np.ndarray, np.ndarray]:
        sales = shape * level
        rate = np.clip(0.1 * (np.maximum(sales, 1.0) / 2000.0) ** -0.15 * rate_noise, 0.02, 0.25)
        return sales, np.where(producing, sales * rate, startup_tax)

    lo, hi = 1.0, 1e6
    for _ in range(60):  # bisection on the revenue level
        level = np.sqrt(lo * hi)
        lo, hi = (lo, level) if taxes(level)[1].sum() > tax_per_mu * land_mu.sum() else (level, hi)
    revenue, tax = taxes(level)
    revenue = np.round(revenue, 1)
    above = revenue >= 2000.0
    value_added = np.where(producing, revenue * rng.uniform(0.22, 0.34, n), 0.0)
    emissions = np.where(above, value_added / (4900.0 * np.exp(0.6 * rng.standard_normal(n))), np.nan)
    emissions[above & (rng.random(n) < 0.08)] = np.nan  # some 规上 without data: the 黄岩 missing-data rule
    productivity = 18.0 * np.exp(0.4 * rng.standard_normal(n))  # 万元 value added per employee
    employees = np.where(producing, value_added / productivity, rng.uniform(3, 15, n))
    listed = np.zeros(n, bool)
    top = np.argsort(-revenue, kind="stable")[:20]
    listed[top[rng.random(20) < 0.6]] = True
    return {
        "above_scale": above, "tax_10k_yuan": np.round(tax, 2), "value_added_10k_yuan": np.round(value_added, 1),
        "output_10k_yuan": np.round(np.where(producing, revenue * rng.uniform(0.95, 1.08, n), 0.0), 1),
        "revenue_10k_yuan": revenue,
        "energy_tce": np.round(value_added / (2.7 * np.exp(0.5 * rng.standard_normal(n))), 1),
        "emissions": np.round(emissions, 3),
        "electricity_kwh": np.round(tax * 1e4 / (0.235 * np.exp(0.45 * rng.standard_normal(n))), -2),
        "rd_10k_yuan": np.round(np.where(above, revenue * 0.028 * np.exp(0.6 * rng.standard_normal(n)), np.nan), 1),
        "employees": np.maximum(np.round(employees), 3.0), "listed": listed,
    }
