package dev.distill.udf;
