// Contrastive losses (infoNCE, ntXent, supCon, …) land here; see docs/ARCHITECTURE.md.
export {};
