import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DealershipRules } from './dealership-rules.js';

/** One vehicle on a lot. `status` is sold or available; a reservation holds it without changing it. */
@Entity({ schema: 'agents', name: 'vehicles' })
export class VehicleEntity {
  @PrimaryColumn('text') vin!: string;
  @Column('text') make!: string;
  @Column('text') model!: string;
  @Column('int') year!: number;
  @Column('text') trim!: string;
  @Column('text') body!: string;
  @Column('text') fuel!: string;
  @Column('int') price!: number;
  @Column('int') mileage!: number;
  @Column('text') colour!: string;
  @Column('jsonb') features!: string[];
  @Column('text') location!: string;
  @Column('text') status!: 'available' | 'sold';
}

/** A customer the dealership knows: what the rules need (licence, credit tier). */
@Entity({ schema: 'agents', name: 'customers' })
export class CustomerEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text') email!: string;
  @Column('boolean', { name: 'licence_on_file' }) licenceOnFile!: boolean;
  @Column('text', { name: 'credit_tier', nullable: true }) creditTier!: string | null;
}

@Entity({ schema: 'agents', name: 'test_drives' })
export class TestDriveEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text') vin!: string;
  @Column('text') location!: string;
  /** Dealership-local `YYYY-MM-DDTHH:MM`. */
  @Column('text') slot!: string;
  @Column('text') status!: 'scheduled' | 'cancelled';
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

@Entity({ schema: 'agents', name: 'reservations' })
export class ReservationEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text') vin!: string;
  @Column('int') deposit!: number;
  @Column('text') status!: 'active' | 'cancelled';
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  /** A hold is active while its status is active and it has not expired. */
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
}

/** The dealership's rules and the seed its data came from (one row). */
@Entity({ schema: 'agents', name: 'dealership' })
export class DealershipEntity {
  @PrimaryColumn('int') id!: number;
  @Column('int') seed!: number;
  @Column('jsonb') rules!: DealershipRules;
  @Column('int', { name: 'rules_version' }) rulesVersion!: number;
}

export const DEALERSHIP_ENTITIES = [VehicleEntity, CustomerEntity, TestDriveEntity, ReservationEntity, DealershipEntity];
