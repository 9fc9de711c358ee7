package serve

func init() {
	engines[Single] = func(p Protocol, cfg Config) engine { return newGoEngine(p, cfg, 1) }
	engines[Pool] = func(p Protocol, cfg Config) engine { return newGoEngine(p, cfg, cfg.Workers) }
}
