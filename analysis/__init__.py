"""Domain computations over layers: 亩均 evaluation, land supply, compliance, scorecards, siting, exports."""
