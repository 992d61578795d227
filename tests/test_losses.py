"""The objective: BCE on logits, D's loss halved, lambda on L1 only."""

import math

import torch

from pix2pix.losses import discriminator_loss, generator_loss


def test_an_undecided_discriminator_scores_log_2():
    zeros = torch.zeros(2, 1, 30, 30)
    # each BCE term is log 2 when D outputs probability 0.5; halving the sum gives log 2
    assert math.isclose(discriminator_loss(zeros, zeros).item(), math.log(2), rel_tol=1e-6)


def test_discriminator_loss_is_half_the_sum_of_the_real_and_fake_terms():
    real_logits, fake_logits = torch.randn(4, 1, 30, 30), torch.randn(4, 1, 30, 30)
    real_term = -torch.log(torch.sigmoid(real_logits)).mean()
    fake_term = -torch.log(1 - torch.sigmoid(fake_logits)).mean()
    expected = 0.5 * (real_term + fake_term)
    assert torch.allclose(discriminator_loss(real_logits, fake_logits), expected, atol=1e-5)


def test_a_confident_correct_discriminator_has_near_zero_loss():
    assert discriminator_loss(torch.full((1, 1, 30, 30), 20.0),
                              torch.full((1, 1, 30, 30), -20.0)) < 1e-6


def test_generator_loss_weights_l1_by_lambda_and_nothing_else():
    fake_logits = torch.randn(2, 1, 30, 30)
    target_image = torch.zeros(2, 3, 8, 8)
    fake_image = torch.full((2, 3, 8, 8), 0.25)
    loss = generator_loss(fake_logits, fake_image, target_image, lambda_l1=100)
    expected_adversarial = -torch.log(torch.sigmoid(fake_logits)).mean()
    assert torch.allclose(loss.loss_G_GAN, expected_adversarial, atol=1e-5)
    assert math.isclose(loss.loss_G_L1.item(), 0.25)
    assert torch.allclose(loss.loss_G, loss.loss_G_GAN + 25.0)
