"""Writers: text, JSON, SARIF, HTML and CSV reports, the team summary, baselines and rule docs."""
