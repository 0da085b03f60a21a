package dev.pgmanager.config;

/** How the sidecar writes its log: lines for people, or one JSON object per line for a log pipeline. */
public enum LogFormat { TEXT, JSON }
