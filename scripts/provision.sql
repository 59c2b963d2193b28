-- Creates the two service roles and databases of SeSPHR on a private cluster.
-- Run by ./sesphr as the cluster superuser with psql variables:
--   fhir_role, fhir_db, fhir_password, srs_role, srs_db, srs_password
-- Idempotent: safe to run on every start.
--
-- Separation of duties (DESIGN.md section 7): the FhirServer and the SRS each own one database,
-- and CONNECT is revoked from PUBLIC everywhere, so neither role can even open the other's
-- database (nor the maintenance databases).

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'fhir_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'fhir_role') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'srs_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'srs_role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'fhir_role', :'fhir_password') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'srs_role', :'srs_password') \gexec

SELECT format('CREATE DATABASE %I OWNER %I', :'fhir_db', :'fhir_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'fhir_db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'srs_db', :'srs_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'srs_db') \gexec

SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'fhir_db') \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'srs_db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'fhir_db', :'fhir_role') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'srs_db', :'srs_role') \gexec
-- The maintenance database stays reachable only for superusers.
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
