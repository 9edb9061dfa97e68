package dev.distill.job;
