//! End-to-end tests of the JSON API and Open311: the app served on a free port with a fresh
//! database and a manual clock, one file per feature.

mod access;
mod intake;
mod kpis;
mod lifecycle;
mod open311;
mod open311_clients;
mod openapi;
mod places;
mod scheduler;
mod security;
mod support;
mod triage;
