import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The dealership: inventory, customers, test drives, reservations and its rules. */
export class AgentsDealership1764000003000 implements MigrationInterface {
  name = 'AgentsDealership1764000003000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE agents.vehicles (
      vin text PRIMARY KEY, make text NOT NULL, model text NOT NULL, year integer NOT NULL, trim text NOT NULL,
      body text NOT NULL, fuel text NOT NULL, price integer NOT NULL, mileage integer NOT NULL, colour text NOT NULL,
      features jsonb NOT NULL, location text NOT NULL, status text NOT NULL)`);
    await runner.query('CREATE INDEX vehicles_search ON agents.vehicles (status, body, price)');
    await runner.query(`CREATE TABLE agents.customers (
      id text PRIMARY KEY, name text NOT NULL, email text NOT NULL, licence_on_file boolean NOT NULL, credit_tier text)`);
    await runner.query(`CREATE TABLE agents.test_drives (
      id text PRIMARY KEY, customer_id text NOT NULL, vin text NOT NULL REFERENCES agents.vehicles (vin), location text NOT NULL,
      slot text NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL)`);
    // One vehicle per slot: the database refuses a second booking even under concurrency.
    await runner.query(`CREATE UNIQUE INDEX test_drives_vehicle_slot ON agents.test_drives (vin, slot) WHERE status = 'scheduled'`);
    await runner.query('CREATE INDEX test_drives_customer ON agents.test_drives (customer_id, slot)');
    await runner.query('CREATE INDEX test_drives_lot_day ON agents.test_drives (location, slot)');
    await runner.query(`CREATE TABLE agents.reservations (
      id text PRIMARY KEY, customer_id text NOT NULL, vin text NOT NULL REFERENCES agents.vehicles (vin), deposit integer NOT NULL,
      status text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)`);
    await runner.query('CREATE INDEX reservations_vin ON agents.reservations (vin, status, expires_at)');
    await runner.query('CREATE INDEX reservations_customer ON agents.reservations (customer_id, status, expires_at)');
    await runner.query('CREATE TABLE agents.dealership (id integer PRIMARY KEY, seed integer NOT NULL, rules jsonb NOT NULL, rules_version integer NOT NULL)');
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['dealership', 'reservations', 'test_drives', 'customers', 'vehicles']) await runner.query(`DROP TABLE agents.${table}`);
  }
}
