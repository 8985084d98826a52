"""Lesson extensions on top of the GAN core: slow-motion steps (explain), D's feature space (features), the latent
space (latent), attacks and adversarial training, distribution shift and DANN, GAN-made training data (augment)."""
