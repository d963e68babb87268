"""The demo world of Putian (莆田市) and nothing else: its real district outlines (data/), place
names, the catalogue of departments and business items, the field force, the 2018 history as
published and the last 30 days, the demo accounts, and the seed verb that loads it all."""
