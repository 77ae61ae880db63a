// The Maven-generated CRD source fails closed, naming what is missing, and picks a JDK new enough for the generator.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findJava, jdkFeature, mavenCrdKey, missingPrerequisite, type MavenGeneratedCrds } from './maven-crds';

const source: MavenGeneratedCrds = { maven: ['g:a:1.0.0'], mainClass: 'x.Gen', args: ['{out}/a.yaml'], java: 21 };

/** A folder of fake JDKs: each has a `release` file and an executable-looking bin/java. */
function jvms(versions: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jvm-'));
  for (const [name, version] of Object.entries(versions)) {
    mkdirSync(join(dir, name, 'bin'), { recursive: true });
    writeFileSync(join(dir, name, 'release'), `JAVA_VERSION="${version}"\n`);
    writeFileSync(join(dir, name, 'bin', 'java'), '');
  }
  return dir;
}

describe('Maven-generated CRDs', () => {
  it('reads the feature release of a JDK, old and new numbering', () => {
    const dir = jvms({ old: '1.8.0_402', new: '25.0.1' });
    expect(jdkFeature(join(dir, 'old'))).toBe(8);
    expect(jdkFeature(join(dir, 'new'))).toBe(25);
  });

  it('takes JAVA_HOME when it is new enough, else the newest JDK of the folder', () => {
    const dir = jvms({ 'java-17-openjdk-amd64': '17.0.15', 'temurin-25-jdk-amd64': '25.0.1', 'jdk-21': '21.0.2' });
    expect(findJava(21, { JAVA_HOME: join(dir, 'jdk-21') }, dir)).toBe(join(dir, 'jdk-21', 'bin', 'java'));
    expect(findJava(21, { JAVA_HOME: join(dir, 'java-17-openjdk-amd64') }, dir)).toBe(
      join(dir, 'temurin-25-jdk-amd64', 'bin', 'java'),
    );
  });

  it('fails closed without a Java new enough, naming the release and where it looked', () => {
    const dir = jvms({ 'java-17-openjdk-amd64': '17.0.15' });
    const message = missingPrerequisite(source, { PATH: process.env.PATH, JAVA_HOME: undefined }, dir);
    expect(message).toMatch(/x\.Gen, which needs Java 21 or newer: none in JAVA_HOME \(unset\) or .*jvm-/);
  });

  it('fails closed without Maven', () => {
    expect(missingPrerequisite(source, { PATH: '/nonexistent' }, jvms({}))).toMatch(/Maven, which is not on PATH/);
  });

  it('keys the cache by the coordinates and the invocation', () => {
    expect(mavenCrdKey(source)).toBe(mavenCrdKey({ ...source }));
    expect(mavenCrdKey({ ...source, maven: ['g:a:1.0.1'] })).not.toBe(mavenCrdKey(source));
    expect(mavenCrdKey({ ...source, args: ['{out}/b.yaml'] })).not.toBe(mavenCrdKey(source));
  });
});
