"""Reference tables shipped with Landpark: gbt4754_2017.csv, the GB/T 4754-2017 industry code table
(read by layers/industry_codes.py)."""
