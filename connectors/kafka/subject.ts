/**
 * Registry subject naming (Confluent's SubjectNameStrategy): `topic` = TopicNameStrategy
 * (`<topic>-value`, the default), `record` = RecordNameStrategy (the record's full name,
 * `fsfault.Event`, so one subject spans every topic carrying fsfault events).
 */
export type SubjectStrategy = 'topic' | 'record';

export function subjectName(strategy: SubjectStrategy, topic: string, recordFullName: string): string {
  return strategy === 'record' ? recordFullName : `${topic}-value`;
}
